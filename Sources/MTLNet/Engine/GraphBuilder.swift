import Tensor

/// A convolution (k×k or depthwise) of an inference graph with batch-norm already folded in:
/// `y = activation(conv(x, weights) + bias)`.
///
/// Layouts: `.conv` weights HWIO `[kH, kW, Cin, Cout]`; `.depthwise` weights `[kH, kW, C]`; bias `[Cout]`.
public struct ConvLayer: Sendable {
    public enum Kind: Sendable { case conv, depthwise }
    /// Unique name; also the tensor name prefix in weight files (`<name>.weight`, `<name>.bias`).
    public let name: String
    public let kind: Kind
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padding: Padding
    public let inChannels: Int, outChannels: Int
    public let activation: Activation
    public internal(set) var weights: [Float]
    public internal(set) var bias: [Float]

    /// Shape of `weights`.
    public var weightShape: [Int] {
        kind == .conv ? [kernelHeight, kernelWidth, inChannels, outChannels] : [kernelHeight, kernelWidth, inChannels]
    }

    /// Multiply-accumulates per output position.
    var macsPerPosition: Int {
        kind == .conv ? kernelHeight * kernelWidth * inChannels * outChannels : kernelHeight * kernelWidth * outChannels
    }

    func geometry(batch: Int, height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(batch: batch, inHeight: height, inWidth: width, inChannels: inChannels, outChannels: outChannels,
                     kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                     strideHeight: strideHeight, strideWidth: strideWidth, padding: padding)
    }
}

/// A `.conv` layer's weights packed for `PackedMatrix` (`[kH·kW·Cin, Cout]`) and its bias zero-padded
/// to whole panels (the micro-kernel reads 16 bias values per panel).
struct PackedWeights: Sendable {
    let matrix: PackedMatrix
    let bias: [Float]

    init(_ layer: ConvLayer) {
        matrix = PackedMatrix(layer.weights, k: layer.kernelHeight * layer.kernelWidth * layer.inChannels, n: layer.outChannels)
        bias = layer.bias + [Float](repeating: 0, count: matrix.panelCount * PackedMatrix.panelWidth - layer.outChannels)
    }
}

/// What a convolution's parameters are before folding: the kernel and either a batch-norm
/// (folded at build time) or a plain bias.
public struct ConvParameters {
    /// HWIO `[kH, kW, Cin, Cout]` or depthwise `[kH, kW, C]`.
    public var weights: [Float]
    /// `[Cout]`; nil means zero.
    public var bias: [Float]?
    public init(weights: [Float], bias: [Float]?) { self.weights = weights; self.bias = bias }

    /// Folds an inference batch-norm `y = (x − mean)/sqrt(var + eps)·gamma + beta` into the kernel and
    /// bias of the convolution before it. `gamma` nil means 1 (batch-norm without scale).
    public static func foldingBatchNorm(weights: [Float], outChannels: Int, gamma: [Float]?, beta: [Float],
                                        mean: [Float], variance: [Float], epsilon: Float) -> ConvParameters {
        precondition(weights.count % outChannels == 0 && beta.count == outChannels && mean.count == outChannels
                     && variance.count == outChannels && (gamma?.count ?? outChannels) == outChannels,
                     "foldingBatchNorm: parameter sizes do not match \(outChannels) channels")
        var scale = [Float](repeating: 0, count: outChannels), bias = scale
        for c in 0..<outChannels {
            scale[c] = (gamma?[c] ?? 1) / (variance[c] + epsilon).squareRoot()
            bias[c] = beta[c] - mean[c] * scale[c]
        }
        var w = weights
        for i in w.indices { w[i] *= scale[i % outChannels] }
        return ConvParameters(weights: w, bias: bias)
    }
}

/// Where a graph builder gets each convolution's parameters from (a weight file, a seeded random
/// initialiser). Called once per convolution in build order.
public protocol ConvParameterSource {
    /// `layer.weights`/`bias` are empty; return the folded parameters for it.
    mutating func parameters(for layer: ConvLayer, ordinal: Int) throws -> ConvParameters
}

/// Builds an `InferenceGraph` layer by layer, in the order of the reference (Keras) definition.
/// Values are feature maps, identified by index; value 0 is the (normalised) input.
public struct GraphBuilder {
    public typealias Value = Int
    /// Layers in build order; a `.conv` layer's weights live only in `packed` (packed as they are
    /// loaded, so a large model never holds its weights twice, not even while it is built).
    var layers: [ConvLayer] = []
    var packed: [PackedWeights?] = []
    var nodes: [GraphNode] = []
    var channels: [Int]
    var names: [String]
    private var source: ConvParameterSource
    private var errors: [Error] = []
    /// Lets the engine run some convolutions by kernels that sum in another order than the packed
    /// GEMM (Winograd for 3×3 stride-1 layers of ≤ 128 channels, a direct kernel for few-channel
    /// stems; see `FastConvolution`). Off: the backbones keep their GEMM sums.
    public var fastConvolutions = false

    public init(inputChannels: Int = 3, source: ConvParameterSource) {
        self.channels = [inputChannels]
        self.names = ["input"]
        self.source = source
    }

    /// The input value.
    public var input: Value { 0 }

    public func channels(of v: Value) -> Int { channels[v] }

    private mutating func newValue(_ c: Int, _ name: String) -> Value {
        channels.append(c); names.append(name); return channels.count - 1
    }

    /// k×k convolution (plus folded batch-norm) with a fused activation.
    public mutating func conv(_ x: Value, _ name: String, out: Int, kernel: (Int, Int), stride: Int = 1,
                              padding: Padding, activation: Activation) -> Value {
        addLayer(x, name, kind: .conv, out: out, kernel: kernel, stride: stride, padding: padding, activation: activation)
    }

    /// Depthwise convolution (multiplier 1, plus folded batch-norm) with a fused activation.
    public mutating func depthwise(_ x: Value, _ name: String, kernel: Int = 3, stride: Int = 1,
                                   padding: Padding, activation: Activation) -> Value {
        addLayer(x, name, kind: .depthwise, out: channels[x], kernel: (kernel, kernel), stride: stride,
                 padding: padding, activation: activation)
    }

    private mutating func addLayer(_ x: Value, _ name: String, kind: ConvLayer.Kind, out: Int, kernel: (Int, Int),
                                   stride: Int, padding: Padding, activation: Activation) -> Value {
        var layer = ConvLayer(name: name, kind: kind, kernelHeight: kernel.0, kernelWidth: kernel.1,
                              strideHeight: stride, strideWidth: stride, padding: padding,
                              inChannels: channels[x], outChannels: out, activation: activation, weights: [], bias: [])
        do {
            let p = try source.parameters(for: layer, ordinal: layers.count)
            let expected = layer.weightShape.reduce(1, *)
            guard p.weights.count == expected, (p.bias?.count ?? out) == out else {
                throw EngineError.badParameters("layer \(name): expected \(expected) weights and \(out) biases, got \(p.weights.count) and \(p.bias?.count ?? 0)")
            }
            layer.weights = p.weights
            layer.bias = p.bias ?? [Float](repeating: 0, count: out)
        } catch {
            errors.append(error)
            layer.weights = [Float](repeating: 0, count: layer.weightShape.reduce(1, *))
            layer.bias = [Float](repeating: 0, count: out)
        }
        if kind == .conv {
            packed.append(PackedWeights(layer))
            layer.weights = []
        } else {
            packed.append(nil)
        }
        layers.append(layer)
        let y = newValue(out, name)
        nodes.append(.conv(layer: layers.count - 1, input: x, output: y))
        return y
    }

    public mutating func maxPool(_ x: Value, _ name: String, size: Int, stride: Int, padding: Padding) -> Value {
        let y = newValue(channels[x], name)
        nodes.append(.pool(max: true, size: size, stride: stride, padding: padding, input: x, output: y))
        return y
    }

    /// Average pooling; padded positions are not counted (TF/Keras `same`, PyTorch `count_include_pad=False`).
    public mutating func avgPool(_ x: Value, _ name: String, size: Int, stride: Int, padding: Padding) -> Value {
        let y = newValue(channels[x], name)
        nodes.append(.pool(max: false, size: size, stride: stride, padding: padding, input: x, output: y))
        return y
    }

    /// Residual `a + b`.
    public mutating func add(_ a: Value, _ b: Value, _ name: String) -> Value {
        precondition(channels[a] == channels[b], "GraphBuilder.add: \(channels[a]) vs \(channels[b]) channels")
        let y = newValue(channels[a], name)
        nodes.append(.add(a, b, output: y))
        return y
    }

    /// dlib's `add_prev` followed by an activation: `activation(a + b)` where two maps of different
    /// sizes are zero-extended to the larger one (channels, rows and columns; top-left aligned). dlib's
    /// ResNets join a strided block (one row and column short on even inputs) with an average-pooled
    /// shortcut of fewer channels this way.
    public mutating func addZeroExtended(_ a: Value, _ b: Value, _ name: String, activation: Activation) -> Value {
        let y = newValue(max(channels[a], channels[b]), name)
        nodes.append(.addExtended(a, b, output: y, activation: activation))
        return y
    }

    /// Channel concatenation. Each input must be produced by a convolution, a pooling or another
    /// concatenation and used by nothing else: producers write straight into their slice.
    public mutating func concat(_ inputs: [Value], _ name: String) -> Value {
        let y = newValue(inputs.reduce(0) { $0 + channels[$1] }, name)
        nodes.append(.concat(inputs, output: y))
        return y
    }

    /// Global average pooling to `[N, C]`; ends the graph.
    public mutating func globalAveragePool(_ x: Value) -> Value {
        let y = newValue(channels[x], "global_average_pool")
        nodes.append(.globalAvgPool(input: x, output: y))
        return y
    }

    /// The finished graph; throws the first parameter error met while building.
    public func finish(output: Value) throws -> InferenceGraph {
        if let e = errors.first { throw e }
        return try InferenceGraph(layers: layers, packed: packed, nodes: nodes, channels: channels, names: names, output: output,
                                  fastConvolutions: fastConvolutions)
    }
}

public enum EngineError: Error, CustomStringConvertible {
    case badParameters(String)
    case badGraph(String)
    case badInput(String)
    public var description: String {
        switch self {
        case .badParameters(let s), .badGraph(let s), .badInput(let s): return s
        }
    }
}

enum GraphNode {
    case conv(layer: Int, input: Int, output: Int)
    case pool(max: Bool, size: Int, stride: Int, padding: Padding, input: Int, output: Int)
    case add(Int, Int, output: Int)
    case addExtended(Int, Int, output: Int, activation: Activation)
    case concat([Int], output: Int)
    case globalAvgPool(input: Int, output: Int)

    var inputs: [Int] {
        switch self {
        case .conv(_, let i, _), .pool(_, _, _, _, let i, _), .globalAvgPool(let i, _): return [i]
        case .add(let a, let b, _), .addExtended(let a, let b, _, _): return [a, b]
        case .concat(let xs, _): return xs
        }
    }
    var output: Int {
        switch self {
        case .conv(_, _, let o), .pool(_, _, _, _, _, let o), .add(_, _, let o), .addExtended(_, _, let o, _),
             .concat(_, let o), .globalAvgPool(_, let o): return o
        }
    }
}
