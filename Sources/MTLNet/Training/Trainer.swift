import Foundation
import Layers
import Tensor

/// Features and labels ready for the head: row `i` of `features` `[M, featureCount]` has label
/// `labels[k][i]` for task `k` (−1 = missing).
public struct FeatureSet: Sendable {
    public var features: Tensor
    public var labels: [[Int]]

    public init(features: Tensor, labels: [[Int]]) {
        precondition(features.rank == 2 && labels.allSatisfy { $0.count == features.shape[0] },
                     "FeatureSet: \(features.shape) features and \(labels.map(\.count)) labels")
        self.features = features; self.labels = labels
    }

    public var count: Int { features.shape[0] }

    /// Rows `rows`, in that order.
    public func rows(_ rows: [Int]) -> FeatureSet {
        let f = features.shape[1]
        var out = [Float](repeating: 0, count: rows.count * f)
        features.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (j, r) in rows.enumerated() {
                    (dst.baseAddress! + j * f).update(from: src.baseAddress! + r * f, count: f)
                }
            }
        }
        return FeatureSet(features: Tensor(shape: [rows.count, f], scalars: out), labels: labels.map { l in rows.map { l[$0] } })
    }
}

/// One epoch of a training run (losses per task, accuracies per task on labelled rows).
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: [Float]
    public var trainAccuracy: [Float]
    public var validationLoss: [Float]
    public var validationAccuracy: [Float]
    public var learningRate: Float
    /// Seconds since training started, at the end of this epoch.
    public var elapsed: Double

    public init(epoch: Int, trainLoss: [Float], trainAccuracy: [Float], validationLoss: [Float], validationAccuracy: [Float],
                learningRate: Float, elapsed: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss; self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate; self.elapsed = elapsed
    }
}

/// Mini-batch training of a `MultiTaskHead` on precomputed features: Adam, loss summed over
/// tasks, reduce-LR-on-plateau and early stopping on the validation part, best epoch restored.
public enum Trainer {
    public struct Result: Sendable {
        public var history: [EpochRecord]
        public var bestEpoch: Int
        public var stoppedEarly: Bool
    }

    /// With a `tail`, the rows of the feature sets are the tail's input maps and the tail trains
    /// with the head, at `settings.tailLearningRateFactor` times the head's learning rate.
    public static func fit(head: MultiTaskHead, tail: BackboneTail? = nil, train: FeatureSet, validation: FeatureSet,
                           settings: TrainingSettings, progress: (EpochRecord) -> Void = { _ in }) -> Result {
        fit(head: head, tail: tail, train: train, validation: validation, settings: settings, checkpoint: { _ in }, progress: progress)
    }

    /// `fit` that can be interrupted and resumed.
    ///
    /// `checkpoint` is called after every epoch with everything needed to continue; `resume` (a
    /// state given to `checkpoint` by an earlier run on the same data and settings) continues
    /// from there, and the run then ends with the same weights, bit for bit, as one that was
    /// never interrupted: the shuffling and dropout generators, Adam's moments and the schedules'
    /// state are all part of the state.
    public static func fit(head: MultiTaskHead, tail: BackboneTail? = nil, train: FeatureSet, validation: FeatureSet,
                           settings: TrainingSettings, resume: TrainerState? = nil,
                           checkpoint: (TrainerState) throws -> Void,
                           progress: (EpochRecord) -> Void = { _ in }) rethrows -> Result {
        precondition(train.count > 0, "Trainer.fit: no training rows")
        let adam = Adam(learningRate: settings.learningRate)
        let tailAdam = Adam(learningRate: settings.learningRate * settings.tailLearningRateFactor)
        let tailParameters = tail?.parameters ?? []
        func snapshot() -> [Tensor] { head.snapshot() + (tail?.snapshot() ?? []) }
        func restore(_ values: [Tensor]) {
            head.restore(Array(values.prefix(head.parameters.count)))
            tail?.restore(Array(values.dropFirst(head.parameters.count)))
        }
        let mode: MonitorMode = settings.monitor == .loss ? .min : .max
        var plateau = ReduceLROnPlateau(factor: settings.lrFactor, patience: settings.lrPatience,
                                        minLearningRate: settings.minLearningRate, mode: mode)
        var stopper = EarlyStopping(patience: settings.patience, mode: mode)
        var rng = SeededRandom(seed: settings.seed &+ 0x7a11)
        var order = Array(0..<train.count)
        var best = snapshot()
        var history: [EpochRecord] = []
        var monitored: [Float] = []
        var stoppedEarly = false
        var first = 1
        if let state = resume {
            precondition(state.order.count == train.count && state.parameters.count == best.count,
                         "Trainer.fit: the resumed state is for \(state.order.count) rows and \(state.parameters.count) tensors")
            restore(state.parameters)
            best = state.best
            adam.restore(step: state.headOptimizer.step, moments: state.headOptimizer.moments, of: head.parameters)
            tailAdam.restore(step: state.tailOptimizer.step, moments: state.tailOptimizer.moments, of: tailParameters)
            rng = SeededRandom(seed: state.shuffleState)
            order = state.order
            head.dropout.rng = SeededRandom(seed: state.dropoutState)
            history = state.history
            monitored = state.monitored
            // The schedules' counters are a function of the monitored values: replay them.
            var rate = settings.learningRate
            for (i, value) in monitored.enumerated() {
                if stopper.step(value, epoch: i + 1) == .stop { break }
                rate = plateau.step(value, learningRate: rate)
            }
            adam.learningRate = state.learningRate
            tailAdam.learningRate = state.learningRate * settings.tailLearningRateFactor
            stoppedEarly = state.stoppedEarly
            first = state.epoch + 1
        }
        func state(epoch: Int) -> TrainerState {
            TrainerState(epoch: epoch, parameters: snapshot(), best: best,
                         headOptimizer: .init(step: adam.step, moments: adam.moments(of: head.parameters)),
                         tailOptimizer: .init(step: tailAdam.step, moments: tailAdam.moments(of: tailParameters)),
                         learningRate: adam.learningRate, shuffleState: rng.state, order: order,
                         dropoutState: head.dropout.rng.state, monitored: monitored, history: history, stoppedEarly: stoppedEarly)
        }
        // Elapsed times continue those of the interrupted run.
        let start = Date(timeIntervalSinceNow: -(history.last?.elapsed ?? 0))
        var epoch = first
        while epoch <= settings.epochs && !stoppedEarly {
            defer { epoch += 1 }
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            head.training = true
            var lossSum = [Double](repeating: 0, count: head.heads.count)
            var correct = [Int](repeating: 0, count: head.heads.count), labelled = correct
            for b in stride(from: 0, to: order.count, by: settings.batchSize) {
                let batch = train.rows(Array(order[b..<min(b + settings.batchSize, order.count)]))
                let step = head.lossAndGradients(features: tail.map { $0(batch.features) } ?? batch.features, labels: batch.labels,
                                                  smoothing: settings.labelSmoothing)
                adam.update(head.parameters)
                if let tail {
                    tail.zeroGradients()
                    tail.backward(step.gradFeatures)
                    tailAdam.update(tailParameters)
                }
                for k in step.logits.indices {
                    let (c, n) = countCorrect(step.logits[k], batch.labels[k])
                    correct[k] += c; labelled[k] += n
                    lossSum[k] += Double(step.perTask[k]) * Double(n)
                }
            }
            head.training = false
            let monitoredSet = validation.count > 0 ? validation : train
            let (vLoss, vAcc) = evaluate(head: head, tail: tail, on: monitoredSet, batchSize: 256)
            let record = EpochRecord(
                epoch: epoch,
                trainLoss: lossSum.indices.map { labelled[$0] > 0 ? Float(lossSum[$0] / Double(labelled[$0])) : 0 },
                trainAccuracy: correct.indices.map { labelled[$0] > 0 ? Float(correct[$0]) / Float(labelled[$0]) : 0 },
                validationLoss: vLoss, validationAccuracy: vAcc, learningRate: adam.learningRate,
                elapsed: Date().timeIntervalSince(start))
            history.append(record)
            progress(record)
            let value = settings.monitor == .loss ? vLoss.reduce(0, +) : vAcc.reduce(0, +) / Float(max(vAcc.count, 1))
            monitored.append(value)
            switch stopper.step(value, epoch: epoch) {
            case .improved: best = snapshot()
            case .wait: break
            case .stop: stoppedEarly = true
            }
            if !stoppedEarly {
                adam.learningRate = plateau.step(value, learningRate: adam.learningRate)
                tailAdam.learningRate = adam.learningRate * settings.tailLearningRateFactor
            }
            try checkpoint(state(epoch: epoch))
        }
        restore(best)
        return Result(history: history, bestEpoch: stopper.bestEpoch, stoppedEarly: stoppedEarly)
    }

    /// Mean loss and accuracy per task over the labelled rows of `data`, dropout off.
    public static func evaluate(head: MultiTaskHead, tail: BackboneTail? = nil, on data: FeatureSet,
                                batchSize: Int = 256) -> (loss: [Float], accuracy: [Float]) {
        let tasks = head.heads.count
        var lossSum = [Double](repeating: 0, count: tasks)
        var correct = [Int](repeating: 0, count: tasks), labelled = correct
        let wasTraining = head.training
        head.training = false
        defer { head.training = wasTraining }
        for b in stride(from: 0, to: data.count, by: batchSize) {
            let batch = data.rows(Array(b..<min(b + batchSize, data.count)))
            let logits = head(tail.map { $0(batch.features) } ?? batch.features)
            for k in 0..<tasks {
                let r = Loss.maskedSparseCrossEntropy(logits: logits[k], labels: batch.labels[k])
                let (c, n) = countCorrect(logits[k], batch.labels[k])
                lossSum[k] += Double(r.loss) * Double(r.present); correct[k] += c; labelled[k] += n
            }
        }
        return ((0..<tasks).map { labelled[$0] > 0 ? Float(lossSum[$0] / Double(labelled[$0])) : 0 },
                (0..<tasks).map { labelled[$0] > 0 ? Float(correct[$0]) / Float(labelled[$0]) : 0 })
    }

    /// Predicted class (arg-max) of every row of `[N, C]` scores.
    public static func argmax(_ scores: Tensor) -> [Int] {
        let c = scores.shape[1]
        return (0..<scores.shape[0]).map { r in
            var best = 0
            for j in 1..<c where scores.scalars[r * c + j] > scores.scalars[r * c + best] { best = j }
            return best
        }
    }

    /// (correct, labelled) among rows whose label is present.
    static func countCorrect(_ logits: Tensor, _ labels: [Int]) -> (Int, Int) {
        let predicted = argmax(logits)
        var c = 0, n = 0
        for (p, y) in zip(predicted, labels) where y != Loss.missing { n += 1; if p == y { c += 1 } }
        return (c, n)
    }

    /// The one-line progress report of an epoch, e.g.
    /// `epoch 3/100  person loss 0.41 acc 0.88 (val 0.52/0.85)  …  lr 1e-04  12.3 s  ETA ≤ 6m 10s`.
    public static func progressLine(_ r: EpochRecord, tasks: [String], maxEpochs: Int) -> String {
        var parts = ["epoch \(r.epoch)/\(maxEpochs)"]
        for (k, name) in tasks.enumerated() {
            parts.append(name + String(format: " loss %.3f acc %.3f (val %.3f/%.3f)", r.trainLoss[k], r.trainAccuracy[k],
                                       r.validationLoss[k], r.validationAccuracy[k]))
        }
        let perEpoch = r.elapsed / Double(r.epoch)
        parts.append(String(format: "lr %.1e", r.learningRate))
        parts.append(formatDuration(r.elapsed))
        parts.append("ETA ≤ " + formatDuration(perEpoch * Double(maxEpochs - r.epoch)))
        return parts.joined(separator: "  ")
    }

    public static func formatDuration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        return s < 3600 ? "\(s / 60)m \(s % 60)s" : "\(s / 3600)h \(s % 3600 / 60)m"
    }
}
