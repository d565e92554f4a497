extension Ops {
    /// Max pooling, NHWC, padded positions never selected (any `ConvGeometry`, ceil mode included).
    /// input `[N, H, W, C]`, output `[N, outH, outW, C]`. The window is clipped once per output
    /// position; channels go 8 at a time (SIMD8) with a scalar tail. Results equal `Naive.maxPool2d`.
    public static func maxPool2d(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 geometry g: ConvGeometry) {
        let c = g.inChannels
        let vectorEnd = c / 8 * 8
        var out = output
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * g.inWidth * c
            for oy in 0..<g.outHeight {
                let y0 = max(oy * g.strideHeight - g.padTop, 0)
                let y1 = min(oy * g.strideHeight - g.padTop + g.kernelHeight, g.inHeight)
                for ox in 0..<g.outWidth {
                    let x0 = max(ox * g.strideWidth - g.padLeft, 0)
                    let x1 = min(ox * g.strideWidth - g.padLeft + g.kernelWidth, g.inWidth)
                    let first = image + (y0 * g.inWidth + x0) * c
                    var ch = 0
                    while ch < vectorEnd {
                        var m = load8(first + ch)
                        for y in y0..<y1 {
                            for x in x0..<x1 {
                                // Not `pointwiseMax`: that generic is not specialised here and costs a call per vector.
                                let v = load8(image + (y * g.inWidth + x) * c + ch)
                                m.replace(with: v, where: v .> m)
                            }
                        }
                        UnsafeMutableRawPointer(out + ch).storeBytes(of: m, as: SIMD8<Float>.self)
                        ch += 8
                    }
                    while ch < c {
                        var m = first[ch]
                        for y in y0..<y1 {
                            for x in x0..<x1 { m = max(m, image[(y * g.inWidth + x) * c + ch]) }
                        }
                        out[ch] = m
                        ch += 1
                    }
                    out += c
                }
            }
        }
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}
