import Foundation
import ImageIO
import Layers
import Support
import Tensor

/// The last blocks of a backbone made trainable (`--unfreeze N`): the frozen part runs once per
/// image and view (its output map at `tap` is cached like features), the tail and the head train
/// together. Layers keep their folded batch-norm, which then trains as a per-channel affine.
///
/// The tail is every node of the backbone's graph after `tap` (convolutions, pooling, residual
/// adds, concatenations, the global average pool) as a `TrainableGraph`, so blocks with branches
/// (InceptionV3) or shortcuts (MobileNetV2) train like plain chains (MobileNet).
///
/// Shapes: maps `[N, h·w·c]` (the tap's `[N, h, w, c]` flattened, as cached) → tail → features
/// `[N, featureCount]`.
public final class BackboneTail: ParameterGroup {
    /// Value name of the frozen map feeding the tail.
    public let tap: String
    /// `[h, w, c]` of the tap map at the backbone's input size.
    public let mapShape: [Int]
    public let graph: TrainableGraph
    /// The tail's convolutions in the backbone's build order.
    public var layers: [Convolution2D] { graph.convolutions }

    /// Tensor-name prefix of tail layers in model files.
    public static let prefix = "backbone."

    /// The map after which the last `blocks` blocks start. MobileNet: a block is depthwise +
    /// pointwise; MobileNetV2: block 1 is the final 1×1 convolution, then one inverted-residual block
    /// each (expand, depthwise, project and its shortcut); InceptionV3: one `mixed` block each.
    public static func tap(of backbone: Backbone, blocks: Int) throws -> String {
        let names = backbone.graph.valueNames
        func refuse(_ most: Int) -> FileError {
            FileError(.badData, path: backbone.name, "cannot unfreeze \(blocks) blocks: \(backbone.name) has \(most)")
        }
        switch backbone.name {
        case "mobilenet":
            let layers = backbone.graph.layers
            guard 2 * blocks < layers.count else { throw refuse((layers.count - 1) / 2) }
            return layers[layers.count - 2 * blocks - 1].name
        case "mobilenetv2":
            guard blocks > 1 else { return "block_16_project" }
            let block = 17 - blocks
            guard block >= 1 else { throw refuse(16) }
            return names.contains("block_\(block)_add") ? "block_\(block)_add" : "block_\(block)_project"
        case "inceptionv3":
            guard blocks <= 10 else { throw refuse(10) }
            return "mixed\(10 - blocks)"
        default:
            throw FileError(.badData, path: backbone.name, "--unfreeze is supported for mobilenet, mobilenetv2 and inceptionv3 only")
        }
    }

    /// The tail of `backbone` with its current weights (or `weights` by layer name, from a model file).
    public init(backbone: Backbone, blocks: Int, weights: [String: (Tensor, Tensor)] = [:]) throws {
        precondition(blocks >= 1, "BackboneTail: at least one block")
        let tap = try BackboneTail.tap(of: backbone, blocks: blocks)
        self.tap = tap
        let g = backbone.graph
        guard let tapValue = g.value(named: tap) else { throw FileError(.badData, path: backbone.name, "has no map named \(tap)") }
        let size = try g.spatialSize(of: tapValue, height: backbone.inputSize, width: backbone.inputSize)
        mapShape = [size.height, size.width, g.channels(of: tapValue)]
        // Backbone values → tail values (0 = the tap); a node reading a value from before the tap
        // other than the tap itself means the tap does not cut the graph in two.
        var local = [tapValue: 0]
        var nodes: [TrainableGraph.Node] = []
        for node in g.nodes where node.output > tapValue {
            let inputs = try node.inputs.map { v in
                guard let l = local[v] else {
                    throw FileError(.badData, path: backbone.name, "\(g.valueNames[node.output]) reads \(g.valueNames[v]), from before \(tap): cannot cut there")
                }
                return l
            }
            let operation: TrainableGraph.Operation
            switch node {
            case let .conv(index, _, _):
                let l = g.layers[index]
                let w = weights[l.name]?.0 ?? Tensor(shape: l.weightShape, scalars: l.weights)
                let b = weights[l.name]?.1 ?? Tensor(shape: [l.outChannels], scalars: l.bias)
                operation = .conv(Convolution2D(name: BackboneTail.prefix + l.name, kind: l.kind == .conv ? .conv : .depthwise,
                                                weight: w, bias: b, stride: (l.strideHeight, l.strideWidth), padding: l.padding,
                                                activation: l.activation))
            case let .pool(isMax, k, s, p, _, _): operation = .pool(max: isMax, size: k, stride: s, padding: p)
            case .add: operation = .add
            case .addExtended:
                throw FileError(.badData, path: backbone.name, "\(g.valueNames[node.output]) (a zero-extended add) cannot be trained")
            case .concat: operation = .concat
            case .globalAvgPool: operation = .globalAveragePool
            }
            local[node.output] = nodes.count + 1
            nodes.append(TrainableGraph.Node(operation, inputs: inputs, output: nodes.count + 1))
        }
        guard let out = local[g.output] else { throw FileError(.badData, path: backbone.name, "its output does not follow \(tap)") }
        graph = TrainableGraph(nodes: nodes, output: out)
        if weights.isEmpty { try verify(against: backbone) }
    }

    /// The tail must reproduce the backbone's own features from the tap map.
    func verify(against backbone: Backbone) throws {
        var rng = SeededRandom(seed: 7)
        let s = backbone.inputSize
        let pixels = Tensor(randomUniform: [1, s, s, 3], in: 0...255, using: &rng)
        let out = try backbone.featureMaps(ofPixels: pixels, at: [tap])
        let mine = self(out[1].reshaped([1, mapShape.reduce(1, *)]))
        let scale = max(out[0].scalars.map(abs).max() ?? 1, 1e-3)
        guard mine.maxAbsDifference(out[0]) <= 1e-3 * scale else {
            throw FileError(.badData, path: backbone.name, "the trainable layers after \(tap) do not reproduce the backbone's features")
        }
    }

    public var parameters: [Parameter] { graph.parameters }

    /// Features `[N, featureCount]` of tap maps `[N, h·w·c]`.
    public func callAsFunction(_ maps: Tensor) -> Tensor {
        graph(maps.reshaped([maps.shape[0]] + mapShape))
    }

    /// Backward from `dL/dfeatures`; accumulates the layers' gradients (the frozen map gets none).
    public func backward(_ gradFeatures: Tensor) {
        graph.backward(gradFeatures)
    }

    /// The tail's parameters by layer name, for model files.
    public var namedTensors: [(name: String, tensor: Tensor)] { parameters.map { ($0.name, $0.value) } }
}

/// The frozen part of a backbone as a feature extractor: "features" are the tap map flattened.
public final class TapExtractor: FeatureExtractor {
    public let backbone: Backbone
    public let tap: String
    public let mapShape: [Int]

    public init(backbone: Backbone, tail: BackboneTail) {
        self.backbone = backbone; tap = tail.tap; mapShape = tail.mapShape
    }

    public var name: String { backbone.name + "@" + tap }
    public var weightsSHA256: String { backbone.weightsSHA256 }
    public var inputSize: Int { backbone.inputSize }
    public var featureCount: Int { mapShape.reduce(1, *) }
    public var normalization: String { backbone.normalization }

    public func features(_ images: [RGBImage]) throws -> Tensor {
        let maps = try backbone.featureMaps(ofPixels: backbone.pixelBatch(images), at: [tap])[1]
        return maps.reshaped([images.count, featureCount])
    }
}
