/// A 3×3 depthwise convolution (stride 1 or 2, any padding, NHWC, multiplier 1) with its weights and
/// bias packed once, for callers that run it many times on row bands (the inference engine splits each
/// layer into a few bands per thread). `Ops.depthwiseConv2d` packs on every call, which costs as much
/// as the convolution itself on the 4 × 4 × 1024 maps at the end of MobileNet.
///
/// Same kernels and results as `Ops.depthwiseConv2d` (`DepthwiseConv3x3Stride1`/`Stride2`).
public struct PackedDepthwise3x3: Sendable {
    public let channels: Int
    /// `[3, 3, C]` and `[C]`: the row-outer body and channels past the last block of 16 read these.
    let weights: [Float], bias: [Float]
    /// `[C/16][bias, w0…w8][16]` (`packDepthwise3x3`).
    let packed: [Float]

    /// `weights` `[3, 3, C]`, `bias` `[C]` (nil = zero).
    public init(weights: [Float], bias: [Float]?, channels: Int) {
        precondition(weights.count == 9 * channels && (bias?.count ?? channels) == channels,
                     "PackedDepthwise3x3: \(weights.count) weights and \(bias?.count ?? channels) biases for \(channels) channels")
        self.channels = channels
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: channels)
        var p = [Float](repeating: 0, count: max(10 * channels, 1))
        self.bias.withUnsafeBufferPointer { b in
            weights.withUnsafeBufferPointer { w in
                p.withUnsafeMutableBufferPointer { packDepthwise3x3(weights: w.baseAddress!, bias: b.baseAddress!, channels: channels, into: $0.baseAddress!) }
            }
        }
        packed = p
    }

    /// Whether `g` is a geometry this runs (3×3, stride 1 or 2 in both directions, `channels` in and out).
    public func supports(_ g: ConvGeometry) -> Bool {
        (DepthwiseConv3x3Stride1.applies(g) || DepthwiseConv3x3Stride2.applies(g))
            && g.inChannels == channels && g.outChannels == channels
    }

    /// input `[N, H, W, C]` → output `[N, outH, outW, C]`, output rows `rows` (flat over `N · outH`) only.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry,
                    activation: Activation, rows: Range<Int>) {
        precondition(supports(g), "PackedDepthwise3x3: \(g) is not a 3×3 stride-1/2 depthwise convolution of \(channels) channels")
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                if DepthwiseConv3x3Stride1.applies(g) && DepthwiseConv3x3Stride1.rowOuter(g) {
                    DepthwiseConv3x3Stride1.run(input: input, weights: w.baseAddress!, bias: b.baseAddress!, output: output,
                                                geometry: g, activation: activation, rows: rows)
                    return
                }
                packed.withUnsafeBufferPointer { p in
                    // The stride as a literal: the body is specialised for it (at stride 1 neighbouring outputs share
                    // six of their nine tap pointers, which the compiler then loads once).
                    if g.strideHeight == 1 {
                        depthwise3x3Pixels(input: input, weights: w.baseAddress!, bias: b.baseAddress!, output: output, geometry: g,
                                           activation: activation, stride: 1, rows: rows, packedWeights: p.baseAddress!)
                    } else {
                        depthwise3x3Pixels(input: input, weights: w.baseAddress!, bias: b.baseAddress!, output: output, geometry: g,
                                           activation: activation, stride: 2, rows: rows, packedWeights: p.baseAddress!)
                    }
                }
            }
        }
    }
}
