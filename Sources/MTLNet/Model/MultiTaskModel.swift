import Foundation
import Layers
import Support
import Tensor

/// Everything a trained model file says about itself (the `.fcw` header's metadata).
public struct ModelInfo: Codable, Equatable, Sendable {
    public static let kind = "facecli-multitask-model"
    public static let formatVersion = 1

    public struct Backbone: Codable, Equatable, Sendable {
        public var name: String
        /// SHA-256 of the backbone weights file the head was trained on.
        public var weightsSHA256: String
        public var featureCount: Int

        // Spelled so that snake-case conversion round-trips (`weights_sha256` in the file).
        enum CodingKeys: String, CodingKey { case name, weightsSHA256 = "weightsSha256", featureCount }

        public init(name: String, weightsSHA256: String, featureCount: Int) {
            self.name = name; self.weightsSHA256 = weightsSHA256; self.featureCount = featureCount
        }
    }

    /// One held-out test image: where it was and what it contained.
    public struct HeldOut: Codable, Equatable, Sendable {
        public var path: String     // relative to its dataset root
        public var sha256: String   // of the file content

        public init(path: String, sha256: String) { self.path = path; self.sha256 = sha256 }
    }

    /// Backbone blocks trained with the head (`--unfreeze N`); their weights are in the file.
    public struct Unfrozen: Codable, Equatable, Sendable {
        public var blocks: Int
        /// The frozen map feeding them.
        public var tap: String
        public var layers: [String]

        public init(blocks: Int, tap: String, layers: [String]) { self.blocks = blocks; self.tap = tap; self.layers = layers }
    }

    public var kind = ModelInfo.kind
    public var formatVersion = ModelInfo.formatVersion
    public var backbone: Backbone
    /// Side of the square face crop given to the backbone.
    public var inputSize: Int
    public var normalization: String
    /// How faces were prepared: `aligned` (given crops, resized) or `mtcnn` (detected and aligned).
    public var preprocessing: String
    public var tasks: [TaskInfo]
    public var hidden: Int
    public var dropout: Float
    public var settings: TrainingSettings
    public var testSplit: [HeldOut]
    /// Training and validation curves per epoch, for reports (`eval --report`); nil in files
    /// written before it was recorded, which still load.
    public var history: [EpochRecord]?
    public var unfrozen: Unfrozen?
    /// Input sizes of the backbone passes whose features are concatenated (`MultiScaleExtractor`),
    /// ascending, the last = `inputSize`; nil for one pass at `inputSize`.
    public var scales: [Int]?

    public init(backbone: Backbone, inputSize: Int, normalization: String, preprocessing: String, tasks: [TaskInfo],
                hidden: Int, dropout: Float, settings: TrainingSettings, testSplit: [HeldOut], history: [EpochRecord]?) {
        self.backbone = backbone; self.inputSize = inputSize; self.normalization = normalization
        self.preprocessing = preprocessing; self.tasks = tasks; self.hidden = hidden; self.dropout = dropout
        self.settings = settings; self.testSplit = testSplit; self.history = history
    }
}

/// A trained multi-task model: the head's weights and the description of how to use them.
/// Stored as one `.fcw` weight file (metadata = `ModelInfo`, tensors = head parameters).
///
/// Thread safety: `probabilities`, `extractor(for:)` and `withExclusiveHead` may be called from
/// any thread; they run one at a time (a lock), because the head's layers keep per-call state for
/// training (`Dense` its input, `Dropout` its mask and `training` flag, the tail's convolutions
/// their inputs). The head is small next to the backbone, so serialising it costs little. Use the
/// head or tail directly only inside `withExclusiveHead` while the model is shared.
public final class MultiTaskModel {
    public let info: ModelInfo
    public let head: MultiTaskHead
    /// The trained backbone blocks (models trained with `--unfreeze`), once `extractor(for:)` built them.
    public private(set) var tail: BackboneTail?
    /// Tail weights read from the file, by layer name, until the backbone is known.
    private var tailWeights: [String: (Tensor, Tensor)] = [:]
    private let lock = NSLock()   // not Synchronization.Mutex: ThreadSanitizer on Linux does not see it

    /// Runs `body` with exclusive use of the head (and of the trained backbone blocks).
    public func withExclusiveHead<T>(_ body: (MultiTaskHead) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(head)
    }

    public init(info: ModelInfo, head: MultiTaskHead, tail: BackboneTail? = nil) {
        precondition(head.classCounts == info.tasks.map(\.labels.count), "MultiTaskModel: head sizes do not match the tasks")
        precondition((info.unfrozen == nil) == (tail == nil), "MultiTaskModel: unfrozen layers and tail disagree")
        self.info = info; self.head = head; self.tail = tail
    }

    /// Writes the model atomically (an interrupted save never leaves a broken file).
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = try encoder.encode(info)
        guard let metadata = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw FileError(.badData, path: path, "model description is not a JSON object")
        }
        let tensors = head.parameters.map { ($0.name, $0.value) } + (tail?.namedTensors ?? [])
        try WeightFile.write(path: path, tensors: tensors, metadata: metadata)
    }

    /// Reads a model file; a damaged file, a file of another kind or version, or tensors that do
    /// not match the description are refused with an error naming the file.
    public convenience init(path: String) throws {
        try self.init(file: WeightFile(path: path))
    }

    /// `init(path:)` from a weight file already read (a caller that also reads other parts of the
    /// file, e.g. the person gallery, reads and checksums it once).
    public convenience init(file: WeightFile) throws {
        let path = file.path
        func bad(_ reason: String) -> FileError { FileError(.badData, path: path, reason) }
        guard let kind = file.string("kind") else { throw bad("not a facecli multi-task model (no 'kind' in its metadata; is it a backbone weight file?)") }
        guard kind == ModelInfo.kind else { throw bad("not a facecli multi-task model (it is a '\(kind)' file)") }
        guard let version = file.metadata["format_version"] as? Int, version == ModelInfo.formatVersion else {
            throw bad("model format version \(file.metadata["format_version"] ?? "?") is not supported (this build reads \(ModelInfo.formatVersion))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let info: ModelInfo
        do { info = try decoder.decode(ModelInfo.self, from: file.metadataJSON) } catch {
            throw bad("malformed model description: \(error)")
        }
        guard !info.tasks.isEmpty, info.tasks.allSatisfy({ !$0.labels.isEmpty }), info.hidden > 0, info.backbone.featureCount > 0 else {
            throw bad("malformed model description: no tasks, a task without labels, or a non-positive size")
        }
        guard info.dropout >= 0, info.dropout < 1 else {
            throw bad("malformed model description: dropout \(info.dropout) is not in [0, 1)")
        }
        // The sizes come from the file: check them against its tensors before allocating a head that
        // large (a description claiming a billion features would otherwise exhaust memory).
        let sizes = [("shared.weight", [info.backbone.featureCount, info.hidden])]
            + info.tasks.enumerated().map { ("task\($0.offset).weight", [info.hidden, $0.element.labels.count]) }
        for (name, shape) in sizes {
            guard let entry = file.entries[name] else { throw bad("has no tensor '\(name)'") }
            guard entry.shape == shape else { throw bad("tensor '\(name)' has shape \(entry.shape), expected \(shape)") }
        }
        let head = MultiTaskHead(featureCount: info.backbone.featureCount, hidden: info.hidden,
                                 classCounts: info.tasks.map(\.labels.count), dropout: info.dropout, seed: 0)
        for p in head.parameters { p.value = try file.tensor(p.name, shape: p.value.shape) }
        var tailWeights: [String: (Tensor, Tensor)] = [:]
        for name in info.unfrozen?.layers ?? [] {
            tailWeights[name] = (try file.tensor(BackboneTail.prefix + name + ".weight"), try file.tensor(BackboneTail.prefix + name + ".bias"))
        }
        self.init(info: info, head: head, loadedTail: tailWeights)
    }

    private init(info: ModelInfo, head: MultiTaskHead, loadedTail: [String: (Tensor, Tensor)]) {
        self.info = info; self.head = head; self.tailWeights = loadedTail
    }

    /// What computes this model's input from face crops: `backbone` itself, or, for a model with
    /// unfrozen blocks, its frozen part (the trained blocks then run inside `probabilities`).
    /// Refuses a backbone other than the one the model was trained on.
    public func extractor(for backbone: FeatureExtractor, modelPath: String) throws -> FeatureExtractor {
        try checkBackbone(backbone, modelPath: modelPath)
        guard let unfrozen = info.unfrozen else { return backbone }
        guard let b = backbone as? Backbone else {
            throw FileError(.badData, path: modelPath, "has trained backbone blocks: it needs a real \(info.backbone.name) backbone")
        }
        lock.lock()
        defer { lock.unlock() }
        if tail == nil {
            let t = try BackboneTail(backbone: b, blocks: unfrozen.blocks, weights: tailWeights)
            guard t.tap == unfrozen.tap, t.layers.map(\.weight.name) == unfrozen.layers.map({ BackboneTail.prefix + $0 + ".weight" }),
                  zip(t.layers, unfrozen.layers).allSatisfy({ layer, name in
                      layer.weight.value.shape == tailWeights[name]?.0.shape && layer.bias.value.shape == tailWeights[name]?.1.shape }) else {
                throw FileError(.badData, path: modelPath, "its trained backbone layers do not match \(info.backbone.name)'s layers")
            }
            tail = t
        }
        return TapExtractor(backbone: b, tail: tail!)
    }

    /// Refuses a feature extractor other than the one the head was trained on.
    public func checkBackbone(_ extractor: FeatureExtractor, modelPath: String) throws {
        let b = info.backbone
        guard extractor.name == b.name else {
            throw FileError(.badData, path: modelPath, "was trained on backbone '\(b.name)', not '\(extractor.name)'")
        }
        guard extractor.weightsSHA256 == b.weightsSHA256 else {
            throw FileError(.badData, path: modelPath, "was trained on \(b.name) weights with sha256 \(b.weightsSHA256.prefix(12))…, "
                            + "but the \(b.name) weights present have sha256 \(extractor.weightsSHA256.prefix(12))…: retrain the model or install the matching weights")
        }
        guard extractor.featureCount == b.featureCount, extractor.inputSize == info.inputSize else {
            throw FileError(.badData, path: modelPath, "expects \(b.featureCount) features from \(info.inputSize)-pixel faces, "
                            + "the backbone gives \(extractor.featureCount) from \(extractor.inputSize)")
        }
    }

    /// Class probabilities per task for rows of what `extractor(for:)` computes (dropout off).
    public func probabilities(features: Tensor) -> [Tensor] {
        precondition(info.unfrozen == nil || tail != nil, "MultiTaskModel: call extractor(for:) first to build the trained backbone blocks")
        return withExclusiveHead { head in
            head.training = false
            return head.probabilities(tail.map { $0(features) } ?? features)
        }
    }
}
