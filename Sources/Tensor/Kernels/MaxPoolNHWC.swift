extension Ops {
    /// Max pooling, NHWC, padded positions never selected (any `ConvGeometry`, ceil mode included).
    /// input `[N, H, W, C]`, output `[N, outH, outW, C]`. The window is clipped once per output
    /// position and the channel loop is innermost and contiguous, so it vectorises;
    /// results equal `Naive.maxPool2d`.
    public static func maxPool2d(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 geometry g: ConvGeometry) {
        let c = g.inChannels
        var out = output
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * g.inWidth * c
            for oy in 0..<g.outHeight {
                let y0 = max(oy * g.strideHeight - g.padTop, 0)
                let y1 = min(oy * g.strideHeight - g.padTop + g.kernelHeight, g.inHeight)
                for ox in 0..<g.outWidth {
                    let x0 = max(ox * g.strideWidth - g.padLeft, 0)
                    let x1 = min(ox * g.strideWidth - g.padLeft + g.kernelWidth, g.inWidth)
                    out.update(from: image + (y0 * g.inWidth + x0) * c, count: c)
                    for y in y0..<y1 {
                        for x in x0..<x1 {
                            let p = image + (y * g.inWidth + x) * c
                            for ch in 0..<c { out[ch] = max(out[ch], p[ch]) }
                        }
                    }
                    out += c
                }
            }
        }
    }
}
