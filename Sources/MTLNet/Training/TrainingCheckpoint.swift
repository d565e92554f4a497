import Foundation
import Layers
import Support
import Tensor

/// Where `Trainer.fit` stands after a whole epoch: enough to continue bit-exactly.
/// Tensors are in the order of `head.parameters` followed by `tail.parameters`.
public struct TrainerState: Sendable, Equatable {
    /// Adam's step count and per-parameter moments.
    public struct Optimizer: Sendable, Equatable {
        public var step: Int
        public var moments: [(m: [Float], v: [Float])]

        public init(step: Int, moments: [(m: [Float], v: [Float])]) { self.step = step; self.moments = moments }

        public static func == (a: Optimizer, b: Optimizer) -> Bool {
            a.step == b.step && a.moments.count == b.moments.count
                && zip(a.moments, b.moments).allSatisfy { $0.m == $1.m && $0.v == $1.v }
        }
    }

    /// Epochs completed.
    public var epoch: Int
    public var parameters: [Tensor]
    /// The weights of the best epoch so far (restored at the end).
    public var best: [Tensor]
    public var headOptimizer: Optimizer
    public var tailOptimizer: Optimizer
    /// The head's learning rate for the next epoch (after reduce-on-plateau).
    public var learningRate: Float
    /// `SeededRandom.state` of the shuffling generator, and the row order it last produced
    /// (each epoch shuffles the previous order).
    public var shuffleState: UInt64
    public var order: [Int]
    /// `SeededRandom.state` of the dropout masks.
    public var dropoutState: UInt64
    /// The value early stopping and reduce-on-plateau watched, per epoch: replaying it rebuilds
    /// their counters exactly.
    public var monitored: [Float]
    public var history: [EpochRecord]
    public var stoppedEarly: Bool

    public init(epoch: Int, parameters: [Tensor], best: [Tensor], headOptimizer: Optimizer, tailOptimizer: Optimizer,
                learningRate: Float, shuffleState: UInt64, order: [Int], dropoutState: UInt64, monitored: [Float],
                history: [EpochRecord], stoppedEarly: Bool) {
        self.epoch = epoch; self.parameters = parameters; self.best = best
        self.headOptimizer = headOptimizer; self.tailOptimizer = tailOptimizer; self.learningRate = learningRate
        self.shuffleState = shuffleState; self.order = order; self.dropoutState = dropoutState
        self.monitored = monitored; self.history = history; self.stoppedEarly = stoppedEarly
    }
}

/// A training checkpoint file (`<model>.checkpoint`, the `.fcw` format, written atomically after
/// every epoch by `facecli train`): the trainer's state plus what it is only valid for — the
/// settings, the split and a fingerprint of the data — so that `--resume` on other data or with
/// other settings is refused instead of silently producing a model of neither run.
///
/// Tensors: `param.<name>`, `best.<name>`, `adam.m.<name>`, `adam.v.<name>` for every trained
/// parameter. Metadata: `kind`, `format_version`, `epoch` and `state`, a JSON text (kept a string so
/// that its numbers are not re-encoded on the way through the weight-file header). Floats whose
/// exact value matters are stored as their bit patterns, 64-bit generator states as hex.
public struct TrainingCheckpoint: Equatable {
    public static let kind = "facecli-training-checkpoint"
    public static let formatVersion = 1

    public var state: TrainerState
    /// Parameter names, in the order of `state`'s tensors.
    public var names: [String]
    public var settings: TrainingSettings
    public var split: DataSplit
    /// `TrainingCheckpoint.fingerprint` of the data the run trains and is tested on.
    public var dataSHA256: String

    public init(state: TrainerState, names: [String], settings: TrainingSettings, split: DataSplit, dataSHA256: String) {
        precondition(names.count == state.parameters.count, "TrainingCheckpoint: \(names.count) names for \(state.parameters.count) tensors")
        self.state = state; self.names = names; self.settings = settings; self.split = split; self.dataSHA256 = dataSHA256
    }

    /// The checkpoint kept beside the model being trained.
    public static func path(forModel model: String) -> String { model + ".checkpoint" }

    /// SHA-256 over everything the trainer sees and the model is tested on: the task lists,
    /// the training and validation rows (features and labels) and the test images' content.
    public static func fingerprint(tasks: [TaskInfo], train: FeatureSet, validation: FeatureSet, testImages: [String]) -> String {
        var sha = SHA256()
        func add(_ text: String) { sha.update(Array(text.utf8)); sha.update([0]) }
        for task in tasks { add(task.name); task.labels.forEach(add) }
        for set in [train, validation] {
            add("rows \(set.count)×\(set.features.shape.last ?? 0)")
            set.features.scalars.withUnsafeBytes { sha.update($0) }
            for labels in set.labels { labels.withUnsafeBytes { sha.update($0) } }
        }
        testImages.forEach(add)
        return sha.finalizeHex()
    }

    private struct Stored: Codable {
        var epoch: Int
        var names: [String]
        var headAdamStep: Int
        var tailAdamStep: Int
        var headParameterCount: Int
        var learningRateBits: UInt32
        var shuffleState: String
        var dropoutState: String
        var order: [Int]
        var monitoredBits: [UInt32]
        var history: [EpochRecord]
        var stoppedEarly: Bool
        var settings: TrainingSettings
        var split: [String: [Int]]
        var dataSha256: String
    }

    /// Writes the checkpoint atomically (temporary file, fsync, rename): a kill leaves the
    /// previous checkpoint or this one, never a broken file.
    public func write(to path: String) throws {
        let headCount = state.headOptimizer.moments.count
        let stored = Stored(
            epoch: state.epoch, names: names, headAdamStep: state.headOptimizer.step, tailAdamStep: state.tailOptimizer.step,
            headParameterCount: headCount, learningRateBits: state.learningRate.bitPattern,
            shuffleState: String(state.shuffleState, radix: 16), dropoutState: String(state.dropoutState, radix: 16),
            order: state.order, monitoredBits: state.monitored.map(\.bitPattern), history: state.history,
            stoppedEarly: state.stoppedEarly, settings: settings,
            split: ["train": split.train, "validation": split.validation, "test": split.test], dataSha256: dataSHA256)
        let json = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
        let moments = state.headOptimizer.moments + state.tailOptimizer.moments
        var tensors: [(name: String, tensor: Tensor)] = []
        for (i, name) in names.enumerated() {
            let shape = state.parameters[i].shape
            tensors.append(("param." + name, state.parameters[i]))
            tensors.append(("best." + name, state.best[i]))
            tensors.append(("adam.m." + name, Tensor(shape: shape, scalars: moments[i].m)))
            tensors.append(("adam.v." + name, Tensor(shape: shape, scalars: moments[i].v)))
        }
        try WeightFile.write(path: path, tensors: tensors,
                             metadata: ["kind": TrainingCheckpoint.kind, "format_version": TrainingCheckpoint.formatVersion,
                                        "epoch": state.epoch, "state": json])
    }

    /// Reads a checkpoint; a damaged file or one of another kind or version is refused naming the file.
    public init(path: String) throws {
        let file = try WeightFile(path: path)
        func bad(_ reason: String) -> FileError { FileError(.badData, path: path, reason) }
        guard file.string("kind") == TrainingCheckpoint.kind else {
            throw bad("not a facecli training checkpoint (kind '\(file.string("kind") ?? "none")')")
        }
        guard let version = file.metadata["format_version"] as? Int, version == TrainingCheckpoint.formatVersion else {
            throw bad("checkpoint format version \(file.metadata["format_version"] ?? "?") is not supported (this build reads \(TrainingCheckpoint.formatVersion))")
        }
        let s: Stored
        do {
            guard let json = file.string("state") else { throw bad("has no training state") }
            s = try JSONDecoder().decode(Stored.self, from: Data(json.utf8))
        } catch let error as FileError { throw error } catch { throw bad("malformed training state: \(error)") }
        guard let shuffle = UInt64(s.shuffleState, radix: 16), let dropout = UInt64(s.dropoutState, radix: 16),
              let train = s.split["train"], let validation = s.split["validation"], let test = s.split["test"],
              (0...s.names.count).contains(s.headParameterCount) else {
            throw bad("malformed training state")
        }
        var parameters: [Tensor] = [], best: [Tensor] = [], moments: [(m: [Float], v: [Float])] = []
        for name in s.names {
            let p = try file.tensor("param." + name)
            parameters.append(p)
            best.append(try file.tensor("best." + name, shape: p.shape))
            moments.append((try file.tensor("adam.m." + name, shape: p.shape).scalars, try file.tensor("adam.v." + name, shape: p.shape).scalars))
        }
        let state = TrainerState(
            epoch: s.epoch, parameters: parameters, best: best,
            headOptimizer: .init(step: s.headAdamStep, moments: Array(moments.prefix(s.headParameterCount))),
            tailOptimizer: .init(step: s.tailAdamStep, moments: Array(moments.dropFirst(s.headParameterCount))),
            learningRate: Float(bitPattern: s.learningRateBits), shuffleState: shuffle, order: s.order, dropoutState: dropout,
            monitored: s.monitoredBits.map(Float.init(bitPattern:)), history: s.history, stoppedEarly: s.stoppedEarly)
        self.init(state: state, names: s.names, settings: s.settings,
                  split: DataSplit(train: train, validation: validation, test: test), dataSHA256: s.dataSha256)
    }

    /// Why this checkpoint cannot continue a run with these settings, data and parameters
    /// (nil when it can). `path` names the checkpoint in the message.
    public func mismatch(settings: TrainingSettings, split: DataSplit, dataSHA256: String, parameters: [Parameter], rows: Int) -> String? {
        if settings != self.settings {
            let mine = Mirror(reflecting: self.settings).children, theirs = Mirror(reflecting: settings).children
            let differing = zip(mine, theirs).filter { "\($0.value)" != "\($1.value)" }
                .map { "\($0.label ?? "?") \($0.value) → \($1.value)" }
            return "was written with other training settings (\(differing.joined(separator: ", "))); resume with the same options"
        }
        if dataSHA256 != self.dataSHA256 || split != self.split {
            return "was written for other data (data sha256 \(self.dataSHA256.prefix(12))…, now \(dataSHA256.prefix(12))…): "
                + "the images, labels or features changed; delete it to start afresh"
        }
        guard parameters.map(\.name) == names, zip(parameters, state.parameters).allSatisfy({ $0.value.shape == $1.shape }),
              state.order.count == rows, Set(state.order) == Set(0..<rows), state.monitored.count == state.history.count, state.epoch == state.history.count else {
            return "does not fit this run (\(names.count) tensors for \(state.order.count) rows; the run has \(parameters.count) for \(rows))"
        }
        return nil
    }
}
