/// 3×3 depthwise convolution, stride 2, NHWC, vectorised across channels, bias and activation fused,
/// any padding (TF `same` at stride 2 pads bottom/right only, for even inputs; the zero-tap pointers of
/// the pixel-outer body cover every case). See `depthwise3x3Pixels`.
enum DepthwiseConv3x3Stride2 {
    static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 2 && g.strideWidth == 2
    }

    /// input `[N, H, W, C]`, weights `[3, 3, C]`, bias `[C]`?, output `[N, outH, outW, C]`;
    /// computes output rows `rows` (flat over `N · outH`).
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, activation: Activation,
                    rows: Range<Int>) {
        depthwise3x3Pixels(input: input, weights: weights, bias: bias, output: output, geometry: g,
                           activation: activation, stride: 2, rows: rows)
    }
}
