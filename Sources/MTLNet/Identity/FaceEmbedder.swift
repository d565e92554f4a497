import Foundation
import ImageIO
import Layers
import Support
import Tensor

/// A face-identity descriptor: dlib's ResNet-29 (`FaceResNet`) and its bias-free 256 → 128 dense
/// layer, on 150 × 150 chips aligned as dlib aligns them (`FaceAligner(size: 150, template: .dlibChip)`).
///
/// Why a second network: the person head is trained on the few people of the training data and its
/// features (frozen ImageNet ones) tell apart only those; this network was trained by its author on
/// about three million faces of some 7,500 people to put photos of one person close together and
/// different people apart, so it also separates people it never saw — what reporting strangers as
/// `unknown` and enrolling someone from ten photos need.
///
/// Descriptors are as dlib computes them (not normalised; dlib compares them by Euclidean distance,
/// facecli by cosine similarity after normalising).
///
/// Thread safety: calls on one instance run one at a time (a lock): they share the input buffer
/// and the engine's plans.
public final class FaceEmbedder {
    public static let chipSize = 150
    public static let architecture = "dlib_resnet29"
    public let graph: InferenceGraph
    /// `[256, dimension]`.
    let projection: Tensor
    let inputScale: [Float], inputBias: [Float]
    public let source: String
    public let weightsSHA256: String
    public var dimension: Int { projection.shape[1] }

    private var inputBuffer: [Float] = []
    private let lock = NSLock()

    /// Loads `Weights/face-embedding.fcw` (or another conversion). Errors name the file and the problem.
    public init(contentsOf path: String) throws {
        let file = try WeightFile(path: path)
        let m = file.metadata
        guard let architecture = m["architecture"] as? String, architecture == FaceEmbedder.architecture else {
            throw FileError(.badData, path: path, "not a face-embedding weight file: architecture is '\(m["architecture"] ?? "missing")', expected '\(FaceEmbedder.architecture)'")
        }
        guard let scale = m["input_scale"] as? [Double], scale.count == 3, let bias = m["input_bias"] as? [Double], bias.count == 3 else {
            throw FileError(.badData, path: path, "metadata input_scale / input_bias missing or malformed")
        }
        inputScale = scale.map(Float.init); inputBias = bias.map(Float.init)
        do {
            var b = GraphBuilder(source: WeightFileParameters(file: file))
            let pooled = FaceResNet.build(&b)
            graph = try b.finish(output: pooled)
        } catch let e as EngineError {
            throw FileError(.badData, path: path, e.description)
        }
        projection = try file.tensor("fc.weight", shape: [graph.channels(of: graph.output), 128])
        source = path
        weightsSHA256 = try MappedFile.sha256(path: path)
    }

    /// Descriptors `[N, dimension]` of chips (150 × 150; other sizes are resized).
    public func descriptors(of chips: [RGBImage]) throws -> Tensor {
        try pooled(of: chips).dense(weights: projection)
    }

    /// The averaged last map `[N, 256]` (before the dense layer), for tests against the reference.
    public func pooled(of chips: [RGBImage]) throws -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        let s = FaceEmbedder.chipSize, n = chips.count, perImage = s * s * 3
        var out = Tensor(zeros: [n, graph.channels(of: graph.output)])
        if n == 0 { return out }
        if inputBuffer.count != n * perImage { inputBuffer = [Float](repeating: 0, count: n * perImage) }
        inputBuffer.withUnsafeMutableBufferPointer { dst in
            for (k, chip) in chips.enumerated() {
                let image = chip.width == s && chip.height == s ? chip : chip.resized(width: s, height: s)
                for p in 0..<(s * s) {
                    for c in 0..<3 { dst[k * perImage + 3 * p + c] = Float(image.pixels[3 * p + c]) * inputScale[c] + inputBias[c] }
                }
            }
        }
        let features = out.shape[1]
        try inputBuffer.withUnsafeBufferPointer { x in
            try out.scalars.withUnsafeMutableBufferPointer { o in
                var first = 0
                while first < n {   // chunks of a few chips: maps stay in cache, weights are shared
                    let count = min(8, n - first)
                    try graph.forward(input: x.baseAddress! + first * perImage, batch: count, height: s, width: s,
                                      output: o.baseAddress! + first * features)
                    first += count
                }
            }
        }
        return out
    }
}

/// So that `FeaturePipeline` caches descriptors of dataset images like backbone features.
extension FaceEmbedder: FeatureExtractor {
    public var name: String { "face-embedding" }
    public var inputSize: Int { FaceEmbedder.chipSize }
    public var featureCount: Int { dimension }
    public var normalization: String {
        "x·\(inputScale[0]) + (\(inputBias.map { String($0) }.joined(separator: ", ")))"
    }
    public func features(_ images: [RGBImage]) throws -> Tensor { try descriptors(of: images) }
}
