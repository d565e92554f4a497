/// Direct (no im2col) NHWC convolution for few output channels, with bias and an optional
/// per-channel PReLU fused into the store. Made for MTCNN, whose layers have 10–128 output
/// channels and tiny inputs: there im2col copies every input k² times and sgemm then packs that
/// copy again, which costs more than the arithmetic.
///
/// Blocking: 6 output pixels × 16 output channels in 12 registers (SIMD16 = 2 AVX2 / 4 NEON
/// registers); per input value one broadcast and two FMAs per pixel, HWIO weights read
/// contiguously. Without padding a kernel row of the input is `kW·Cin` consecutive floats. Requires `outChannels % 16 == 0` (pad the weights with zero channels).
public enum DirectConvPReLU {
    public static func applies(_ g: ConvGeometry) -> Bool { g.outChannels % 16 == 0 }

    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, Cout]`, bias `[Cout]`, alpha `[Cout]` or nil
    /// (linear), output `[N, outH, outW, Cout]`. Any stride and padding.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g), "DirectConvPReLU: output channels must be a multiple of 16, got \(g.outChannels)")
        if g.padTop != 0 || g.padLeft != 0 || g.padBottom != 0 || g.padRight != 0 {
            runClipped(input: input, weights: weights, bias: bias, alpha: alpha, output: output, geometry: g)
            return
        }
        let cin = g.inChannels, cout = g.outChannels
        let plane = g.outHeight * g.outWidth
        let total = g.batch * plane
        let rowLength = g.kernelWidth * cin        // a kernel row reads kW·Cin consecutive floats
        let inRow = g.inWidth * cin
        /// Top-left input of output pixel `p` (flat over batch, rows, columns).
        @inline(__always) func origin(_ p: Int) -> UnsafePointer<Float> {
            let n = p / plane, r = p - n * plane
            let oy = r / g.outWidth, ox = r - oy * g.outWidth
            return input + ((n * g.inHeight + oy * g.strideHeight) * g.inWidth + ox * g.strideWidth) * cin
        }
        // Blocks of 6 output pixels taken in flat order, so blocks run across row and image ends
        // (short rows and tiny maps stay in the fast path); a last partial block recomputes its
        // final pixel and stores only the real ones.
        var p = 0
        while p < total {
            let count = min(6, total - p)
            let x0 = origin(p), x1 = origin(p + min(1, count - 1)), x2 = origin(p + min(2, count - 1))
            let x3 = origin(p + min(3, count - 1)), x4 = origin(p + min(4, count - 1)), x5 = origin(p + min(5, count - 1))
            for co in stride(from: 0, to: cout, by: 16) {
                let b = load16(bias + co)
                var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b
                for ky in 0..<g.kernelHeight {
                    let off = ky * inRow
                    var w = weights + ky * rowLength * cout + co
                    for i in 0..<rowLength {
                        let wv = load16(w)
                        a0 = a0.addingProduct(SIMD16(repeating: x0[off + i]), wv)
                        a1 = a1.addingProduct(SIMD16(repeating: x1[off + i]), wv)
                        a2 = a2.addingProduct(SIMD16(repeating: x2[off + i]), wv)
                        a3 = a3.addingProduct(SIMD16(repeating: x3[off + i]), wv)
                        a4 = a4.addingProduct(SIMD16(repeating: x4[off + i]), wv)
                        a5 = a5.addingProduct(SIMD16(repeating: x5[off + i]), wv)
                        w += cout
                    }
                }
                let o = output + p * cout + co, al = alpha.map { $0 + co }
                store(a0, o, alpha: al)
                if count > 1 { store(a1, o + cout, alpha: al) }
                if count > 2 { store(a2, o + 2 * cout, alpha: al) }
                if count > 3 { store(a3, o + 3 * cout, alpha: al) }
                if count > 4 { store(a4, o + 4 * cout, alpha: al) }
                if count > 5 { store(a5, o + 5 * cout, alpha: al) }
            }
            p += count
        }
    }

    /// Padded geometries: one pixel at a time with window clipping (MTCNN never pads).
    static func runClipped(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        let cin = g.inChannels, cout = g.outChannels
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * g.inWidth * cin
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let out = output + ((n * g.outHeight + oy) * g.outWidth + ox) * cout
                    for co in stride(from: 0, to: cout, by: 16) {
                        var a = load16(bias + co)
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight - g.padTop + ky
                            if iy < 0 || iy >= g.inHeight { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideWidth - g.padLeft + kx
                                if ix < 0 || ix >= g.inWidth { continue }
                                let x = image + (iy * g.inWidth + ix) * cin
                                var w = weights + (ky * g.kernelWidth + kx) * cin * cout + co
                                for ci in 0..<cin {
                                    a = a.addingProduct(SIMD16(repeating: x[ci]), load16(w))
                                    w += cout
                                }
                            }
                        }
                        store(a, out + co, alpha: alpha.map { $0 + co })
                    }
                }
            }
        }
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, alpha: UnsafePointer<Float>?) {
        var v = v
        if let alpha {
            let negative = v .< 0
            v.replace(with: v * load16(alpha), where: negative)
        }
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }
}
