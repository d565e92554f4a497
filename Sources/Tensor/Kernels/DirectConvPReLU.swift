/// Direct (no im2col) NHWC convolution for few output channels, with bias and an optional
/// per-channel PReLU fused into the store. Made for MTCNN, whose layers have 10–128 output
/// channels and tiny inputs: there im2col copies every input k² times and sgemm then packs that
/// copy again, which costs more than the arithmetic.
///
/// Blocking: 6 output pixels × 16 output channels in 12 registers (SIMD16 = 2 AVX2 / 4 NEON
/// registers); per input value one broadcast and two FMAs per pixel, HWIO weights read
/// contiguously. Without padding a kernel row of the input is `kW·Cin` consecutive floats.
/// Weights, bias and alpha are stored with the output channels padded with zeros to a multiple
/// of 16 (`paddedChannels`); the output has exactly `outChannels`.
public enum DirectConvPReLU {
    /// Output channels rounded up to the 16-wide blocks the kernel computes.
    public static func paddedChannels(_ c: Int) -> Int { (c + 15) / 16 * 16 }

    /// Valid (unpadded) convolutions only, as every MTCNN layer; others go through `Ops.conv2d`.
    public static func applies(_ g: ConvGeometry) -> Bool {
        g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
    }

    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, P]`, bias `[P]`, alpha `[P]` or nil (linear)
    /// with P = `paddedChannels(Cout)`; output `[N, outH, outW, Cout]`. Any stride, no padding.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g), "DirectConvPReLU: padded convolutions are not supported (\(g))")
        let cin = g.inChannels, cout = g.outChannels, wstride = paddedChannels(cout)
        let plane = g.outHeight * g.outWidth
        let total = g.batch * plane
        let rowLength = g.kernelWidth * cin        // a kernel row reads kW·Cin consecutive floats
        let inRow = g.inWidth * cin
        // Top-left input of each output pixel, walked in flat order (batch, rows, columns) by a
        // cursor: no integer division per pixel.
        var n = 0, oy = 0, ox = 0
        let rowStep = g.strideHeight * inRow, imageStep = g.inHeight * inRow
        var rowStart = input, imageStart = input
        @inline(__always) func next() -> UnsafePointer<Float> {
            let origin = rowStart + ox * g.strideWidth * cin
            ox += 1
            if ox == g.outWidth {
                ox = 0; oy += 1; rowStart += rowStep
                if oy == g.outHeight { oy = 0; n += 1; imageStart += imageStep; rowStart = imageStart }
            }
            return origin
        }
        // Blocks of 6 output pixels taken in flat order, so blocks run across row and image ends
        // (short rows and tiny maps stay in the fast path); a last partial block repeats its
        // final pixel and stores only the real ones.
        var p = 0
        while p < total {
            let count = min(6, total - p)
            let x0 = next()
            let x1 = count > 1 ? next() : x0, x2 = count > 2 ? next() : x1, x3 = count > 3 ? next() : x2
            let x4 = count > 4 ? next() : x3, x5 = count > 5 ? next() : x4
            for co in stride(from: 0, to: cout, by: 16) {
                let b = load16(bias + co)
                var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b
                for ky in 0..<g.kernelHeight {
                    let off = ky * inRow
                    var w = weights + ky * rowLength * wstride + co
                    for i in 0..<rowLength {
                        let wv = load16(w)
                        a0 = a0.addingProduct(SIMD16(repeating: x0[off + i]), wv)
                        a1 = a1.addingProduct(SIMD16(repeating: x1[off + i]), wv)
                        a2 = a2.addingProduct(SIMD16(repeating: x2[off + i]), wv)
                        a3 = a3.addingProduct(SIMD16(repeating: x3[off + i]), wv)
                        a4 = a4.addingProduct(SIMD16(repeating: x4[off + i]), wv)
                        a5 = a5.addingProduct(SIMD16(repeating: x5[off + i]), wv)
                        w += wstride
                    }
                }
                let o = output + p * cout + co, al = alpha.map { $0 + co }, lanes = min(16, cout - co)
                store(a0, o, alpha: al, lanes: lanes)
                if count > 1 { store(a1, o + cout, alpha: al, lanes: lanes) }
                if count > 2 { store(a2, o + 2 * cout, alpha: al, lanes: lanes) }
                if count > 3 { store(a3, o + 3 * cout, alpha: al, lanes: lanes) }
                if count > 4 { store(a4, o + 4 * cout, alpha: al, lanes: lanes) }
                if count > 5 { store(a5, o + 5 * cout, alpha: al, lanes: lanes) }
            }
            p += count
        }
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, alpha: UnsafePointer<Float>?, lanes: Int) {
        var v = v
        if let alpha {
            let negative = v .< 0
            v.replace(with: v * load16(alpha), where: negative)
        }
        if lanes == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            for i in 0..<lanes { p[i] = v[i] }
        }
    }
}
