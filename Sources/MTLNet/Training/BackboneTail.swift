import Foundation
import ImageIO
import Layers
import Support
import Tensor

/// The last blocks of a backbone made trainable (`--unfreeze N`): the frozen part runs once per
/// image and view (its output map at `tap` is cached like features), the tail and the head train
/// together. Layers keep their folded batch-norm, which then trains as a per-channel affine.
///
/// Shapes: maps `[N, h·w·c]` (the tap's `[N, h, w, c]` flattened, as cached) → tail convolutions →
/// global average pool → features `[N, featureCount]`.
public final class BackboneTail: ParameterGroup {
    /// Value name of the frozen map feeding the tail.
    public let tap: String
    /// `[h, w, c]` of the tap map at the backbone's input size.
    public let mapShape: [Int]
    public let layers: [Convolution2D]
    private let pool = GlobalAveragePool()

    /// Tensor-name prefix of tail layers in model files.
    public static let prefix = "backbone."

    /// Convolution layers in the last `blocks` blocks: MobileNet 2 per block (depthwise, pointwise);
    /// MobileNetV2 the final 1×1 convolution, then 3 per block (expand, depthwise, project).
    public static func layerCount(architecture: String, blocks: Int) throws -> Int {
        switch architecture {
        case "mobilenet": return 2 * blocks
        case "mobilenetv2": return 1 + 3 * (blocks - 1)
        default: throw FileError(.badData, path: architecture, "--unfreeze is supported for mobilenet and mobilenetv2 only")
        }
    }

    /// The tail of `backbone` with its current weights (or `weights` by layer name, from a model file).
    public init(backbone: Backbone, blocks: Int, weights: [String: (Tensor, Tensor)] = [:]) throws {
        precondition(blocks >= 1, "BackboneTail: at least one block")
        let all = backbone.graph.layers
        let count = try BackboneTail.layerCount(architecture: backbone.name, blocks: blocks)
        guard count < all.count else { throw FileError(.badData, path: backbone.name, "has only \(all.count) layers, cannot unfreeze \(blocks) blocks") }
        let chosen = Array(all.suffix(count))
        tap = all[all.count - count - 1].name
        guard let tapValue = backbone.graph.value(named: tap) else { throw FileError(.badData, path: backbone.name, "has no map named \(tap)") }
        let size = try backbone.graph.spatialSize(of: tapValue, height: backbone.inputSize, width: backbone.inputSize)
        mapShape = [size.height, size.width, backbone.graph.channels(of: tapValue)]
        layers = chosen.map { l in
            let w = weights[l.name]?.0 ?? Tensor(shape: l.weightShape, scalars: l.weights)
            let b = weights[l.name]?.1 ?? Tensor(shape: [l.outChannels], scalars: l.bias)
            return Convolution2D(name: BackboneTail.prefix + l.name, kind: l.kind == .conv ? .conv : .depthwise, weight: w, bias: b,
                                 stride: (l.strideHeight, l.strideWidth), padding: l.padding, activation: l.activation)
        }
        if weights.isEmpty { try verify(against: backbone) }
    }

    /// The tail must reproduce the backbone's own features from the tap map; a residual add or a
    /// concatenation inside the tail would break that (the tail is a plain chain), so refuse.
    func verify(against backbone: Backbone) throws {
        var rng = SeededRandom(seed: 7)
        let s = backbone.inputSize
        let pixels = Tensor(randomUniform: [1, s, s, 3], in: 0...255, using: &rng)
        let out = try backbone.featureMaps(ofPixels: pixels, at: [tap])
        let mine = self(out[1].reshaped([1, mapShape.reduce(1, *)]))
        let scale = max(out[0].scalars.map(abs).max() ?? 1, 1e-3)
        guard mine.maxAbsDifference(out[0]) <= 1e-3 * scale else {
            throw FileError(.badData, path: backbone.name, "the layers after \(tap) are not a plain chain: cannot unfreeze that many blocks")
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Features `[N, featureCount]` of tap maps `[N, h·w·c]`.
    public func callAsFunction(_ maps: Tensor) -> Tensor {
        var x = maps.reshaped([maps.shape[0]] + mapShape)
        for layer in layers { x = layer(x) }
        return pool(x)
    }

    /// Backward from `dL/dfeatures`; accumulates the layers' gradients (the frozen map gets none).
    public func backward(_ gradFeatures: Tensor) {
        var d = pool.backward(gradFeatures)
        for layer in layers.reversed() { d = layer.backward(d) }
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
