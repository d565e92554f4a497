/// Direct (no im2col) NHWC convolution for few output channels, with bias and an optional
/// per-channel PReLU fused into the store. Made for MTCNN, whose layers have 10–128 output
/// channels and tiny inputs: there im2col copies every input k² times and sgemm then packs that
/// copy again, which costs more than the arithmetic.
///
/// Blocking: 4 output pixels of a row × 16 output channels in 8 registers (SIMD16 = 2 AVX2/4 NEON
/// registers); per input value one broadcast and two FMAs per pixel, HWIO weights read
/// contiguously. Requires `outChannels % 16 == 0` (pad the weights with zero channels).
public enum DirectConvPReLU {
    public static func applies(_ g: ConvGeometry) -> Bool { g.outChannels % 16 == 0 }

    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, Cout]`, bias `[Cout]`, alpha `[Cout]` or nil
    /// (linear), output `[N, outH, outW, Cout]`. Any stride and padding.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g), "DirectConvPReLU: output channels must be a multiple of 16, got \(g.outChannels)")
        let cin = g.inChannels, cout = g.outChannels
        let inRow = g.inWidth * cin
        let padded = g.padTop != 0 || g.padLeft != 0 || g.padBottom != 0 || g.padRight != 0
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * inRow
            let outImage = output + n * g.outHeight * g.outWidth * cout
            for oy in 0..<g.outHeight {
                let outRow = outImage + oy * g.outWidth * cout
                var ox = 0
                // Interior blocks of 4 pixels whose windows are all inside the input.
                while ox + 4 <= g.outWidth && !padded {
                    for co in stride(from: 0, to: cout, by: 16) {
                        let b = load16(bias + co)
                        var a0 = b, a1 = b, a2 = b, a3 = b
                        let sx = g.strideWidth * cin
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight + ky
                            var x = image + iy * inRow + ox * g.strideWidth * cin
                            var w = weights + ky * g.kernelWidth * cin * cout + co
                            for _ in 0..<(g.kernelWidth * cin) {
                                let wv = load16(w)
                                a0 = a0.addingProduct(SIMD16(repeating: x[0]), wv)
                                a1 = a1.addingProduct(SIMD16(repeating: x[sx]), wv)
                                a2 = a2.addingProduct(SIMD16(repeating: x[2 * sx]), wv)
                                a3 = a3.addingProduct(SIMD16(repeating: x[3 * sx]), wv)
                                x += 1
                                w += cout
                            }
                        }
                        store(a0, outRow + ox * cout + co, alpha: alpha.map { $0 + co })
                        store(a1, outRow + (ox + 1) * cout + co, alpha: alpha.map { $0 + co })
                        store(a2, outRow + (ox + 2) * cout + co, alpha: alpha.map { $0 + co })
                        store(a3, outRow + (ox + 3) * cout + co, alpha: alpha.map { $0 + co })
                    }
                    ox += 4
                }
                // Remaining pixels one at a time, with window clipping.
                while ox < g.outWidth {
                    for co in stride(from: 0, to: cout, by: 16) {
                        var a = load16(bias + co)
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight - g.padTop + ky
                            if iy < 0 || iy >= g.inHeight { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideWidth - g.padLeft + kx
                                if ix < 0 || ix >= g.inWidth { continue }
                                let x = image + iy * inRow + ix * cin
                                var w = weights + (ky * g.kernelWidth + kx) * cin * cout + co
                                for ci in 0..<cin {
                                    a = a.addingProduct(SIMD16(repeating: x[ci]), load16(w))
                                    w += cout
                                }
                            }
                        }
                        store(a, outRow + ox * cout + co, alpha: alpha.map { $0 + co })
                    }
                    ox += 1
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
