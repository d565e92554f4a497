import Layers
import Tensor

/// Reproducible random parameters: what `Backbone.random` uses (benchmarks without weight files,
/// tests against Keras/torchvision, whose generator `tools/gen_backbone_goldens.py` draws the very
/// same numbers).
///
/// For the convolution with ordinal `i` (build order), a `SeededRandom(seed: seed &* 1000003 &+ i)`
/// draws, each as `nextFloat(in:)` in this order:
/// kernel (HWIO or depthwise HWC, row-major) `in: -1...1` times `sqrt(6 / fanIn)`
/// (fanIn = kH·kW·Cin, or kH·kW for depthwise); batch-norm gamma `0.5...1.5` (skipped for
/// batch-norm without scale), beta `-0.2...0.2`, moving mean `-0.2...0.2`, moving variance
/// `0.5...1.5`. The batch-norm is then folded with the configuration's epsilon.
public struct SeededParameters: ConvParameterSource {
    public let seed: UInt64
    public let epsilon: Float
    public let batchNormScale: Bool
    /// Round the folded kernels to fp16, as the converters store weight files (then the engine keeps
    /// them in fp16 like a file's: benchmarks without a file measure what a file would run).
    public let halfPrecisionKernels: Bool

    public init(seed: UInt64, epsilon: Float, batchNormScale: Bool, halfPrecisionKernels: Bool = false) {
        self.seed = seed; self.epsilon = epsilon; self.batchNormScale = batchNormScale
        self.halfPrecisionKernels = halfPrecisionKernels
    }

    public func parameters(for layer: ConvLayer, ordinal: Int) throws -> ConvParameters {
        var rng = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(ordinal))
        let count = layer.weightShape.reduce(1, *)
        let fanIn = layer.kind == .conv ? layer.kernelHeight * layer.kernelWidth * layer.inChannels
                                        : layer.kernelHeight * layer.kernelWidth
        let scale = (6 / Float(fanIn)).squareRoot()
        var w = [Float](repeating: 0, count: count)
        for i in 0..<count { w[i] = rng.nextFloat(in: -1...1) * scale }
        func draw(_ range: ClosedRange<Float>) -> [Float] {
            (0..<layer.outChannels).map { _ in rng.nextFloat(in: range) }
        }
        let gamma = batchNormScale ? draw(0.5...1.5) : nil
        let beta = draw(-0.2...0.2), mean = draw(-0.2...0.2), variance = draw(0.5...1.5)
        var folded = ConvParameters.foldingBatchNorm(weights: w, outChannels: layer.outChannels, gamma: gamma, beta: beta,
                                                     mean: mean, variance: variance, epsilon: epsilon)
        if halfPrecisionKernels { folded.weights = folded.weights.map { Float(Float16($0)) } }
        return folded
    }
}

/// Folded parameters read from a weight file: `<layer>.weight` (HWIO or HWC) and `<layer>.bias`.
struct WeightFileParameters: ConvParameterSource {
    let file: WeightFile

    func parameters(for layer: ConvLayer, ordinal: Int) throws -> ConvParameters {
        let w = try file.tensor(layer.name + ".weight", shape: layer.weightShape)
        let b = try file.tensor(layer.name + ".bias", shape: [layer.outChannels])
        return ConvParameters(weights: w.scalars, bias: b.scalars)
    }
}
