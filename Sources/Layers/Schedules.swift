/// Whether a larger or a smaller monitored value is better.
public enum MonitorMode: String, Sendable, Codable {
    case min, max

    func isImprovement(_ value: Float, over best: Float, minDelta: Float) -> Bool {
        switch self {
        case .min: return value < best - minDelta
        case .max: return value > best + minDelta
        }
    }
}

/// Keras's `ReduceLROnPlateau`: after `patience` epochs without improvement of the monitored value
/// the learning rate is multiplied by `factor` (not below `minLearningRate`), and the wait restarts.
public struct ReduceLROnPlateau: Sendable {
    public let factor: Float, patience: Int, minLearningRate: Float, minDelta: Float, mode: MonitorMode
    public private(set) var best: Float
    public private(set) var wait = 0

    public init(factor: Float = 0.5, patience: Int = 2, minLearningRate: Float = 1e-6, minDelta: Float = 1e-4, mode: MonitorMode) {
        precondition(factor > 0 && factor < 1, "ReduceLROnPlateau: factor must be in (0, 1), got \(factor)")
        precondition(patience >= 1, "ReduceLROnPlateau: patience must be at least 1")
        self.factor = factor; self.patience = patience; self.minLearningRate = minLearningRate
        self.minDelta = minDelta; self.mode = mode
        best = mode == .min ? .infinity : -.infinity
    }

    /// Records one epoch's monitored value and returns the learning rate to use next.
    public mutating func step(_ value: Float, learningRate: Float) -> Float {
        if mode.isImprovement(value, over: best, minDelta: minDelta) {
            best = value; wait = 0
            return learningRate
        }
        wait += 1
        guard wait >= patience else { return learningRate }
        wait = 0
        return max(learningRate * factor, minLearningRate)
    }
}

/// Keras's `EarlyStopping(restore_best_weights=True)`: stop after `patience` epochs without
/// improvement; the caller keeps the parameters of the epoch that reported `.improved`.
public struct EarlyStopping: Sendable {
    public enum Decision: Equatable, Sendable { case improved, wait, stop }
    public let patience: Int, minDelta: Float, mode: MonitorMode
    public private(set) var best: Float
    public private(set) var bestEpoch = -1
    public private(set) var wait = 0

    public init(patience: Int = 3, minDelta: Float = 0, mode: MonitorMode) {
        precondition(patience >= 1, "EarlyStopping: patience must be at least 1")
        self.patience = patience; self.minDelta = minDelta; self.mode = mode
        best = mode == .min ? .infinity : -.infinity
    }

    public mutating func step(_ value: Float, epoch: Int) -> Decision {
        if mode.isImprovement(value, over: best, minDelta: minDelta) {
            best = value; bestEpoch = epoch; wait = 0
            return .improved
        }
        wait += 1
        return wait >= patience ? .stop : .wait
    }
}
