/// Every knob of a training run, stored in the model file so that a run can be reproduced.
public struct TrainingSettings: Codable, Equatable, Sendable {
    /// What early stopping and the learning-rate schedule watch on the validation part.
    public enum Monitor: String, Codable, Sendable {
        /// Sum over tasks of the validation cross-entropy (lower is better).
        case loss
        /// Mean over tasks of the validation accuracy (higher is better).
        case accuracy
    }

    public var preset: String
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Early stopping: epochs without improvement before stopping (the best epoch is restored).
    public var patience: Int
    public var monitor: Monitor
    /// Reduce-on-plateau: multiply the learning rate by `lrFactor` after `lrPatience` flat epochs.
    public var lrFactor: Float
    public var lrPatience: Int
    public var minLearningRate: Float
    public var hidden: Int
    public var dropout: Float
    /// Views per training image: the image itself plus `augmentViews − 1` augmented copies.
    public var augmentViews: Int
    public var seed: UInt64
    public var testFraction: Double
    /// Share of the training part held back for early stopping and learning-rate decisions.
    public var validationFraction: Double
    /// Backbone blocks trained with the head (0 = frozen backbone, the paper's setting).
    public var unfreeze: Int
    /// Learning rate of the unfrozen blocks relative to the head's.
    public var tailLearningRateFactor: Float
    /// Average the predictions of each face and its mirror image (test-time augmentation).
    public var testTimeFlip: Bool
    /// Label smoothing ε of the training loss (0 = plain cross-entropy; validation loss is plain).
    public var labelSmoothing: Float
    /// Input sizes the backbone runs at, ascending, their features concatenated (one size: a plain
    /// backbone). The face crop is the largest.
    public var scales: [Int]

    /// The paper's schedule (Aboluhom & Kandilli 2025): Adam lr 1e-4, batch 32, up to 100 epochs,
    /// early stopping after 3 epochs without improvement of accuracy, reduce-LR-on-plateau ×0.5,
    /// 128-unit shared layer, 70/30 split. The paper names neither the dropout rate nor the
    /// plateau patience nor its augmentation: we take Keras's usual 0.5 dropout, a plateau patience
    /// of 2 (Keras's default of 10 could never act before early stopping at 3) and no augmentation.
    public static let paper = TrainingSettings(
        preset: "paper", epochs: 100, batchSize: 32, learningRate: 1e-4, patience: 3, monitor: .accuracy,
        lrFactor: 0.5, lrPatience: 2, minLearningRate: 1e-6, hidden: 128, dropout: 0.5, augmentViews: 1,
        seed: 1, testFraction: 0.3, validationFraction: 0.15, unfreeze: 0, tailLearningRateFactor: 0.1, testTimeFlip: false,
        labelSmoothing: 0, scales: [128])

    /// The defaults of `facecli train`: the best settings found for a Pi (see README).
    public static let standard = TrainingSettings(
        preset: "default", epochs: 100, batchSize: 32, learningRate: 1e-3, patience: 6, monitor: .loss,
        lrFactor: 0.5, lrPatience: 2, minLearningRate: 1e-6, hidden: 256, dropout: 0.5, augmentViews: 2,
        seed: 1, testFraction: 0.3, validationFraction: 0.15, unfreeze: 0, tailLearningRateFactor: 0.1, testTimeFlip: true,
        labelSmoothing: 0.1, scales: [224])
}

extension TrainingSettings {
    enum CodingKeys: String, CodingKey {
        case preset, epochs, batchSize, learningRate, patience, monitor, lrFactor, lrPatience, minLearningRate, hidden, dropout
        case augmentViews, seed, testFraction, validationFraction, unfreeze, tailLearningRateFactor, testTimeFlip
        case labelSmoothing, scales
    }

    /// Fields added after the first model files take their neutral values when absent, so those
    /// files still load: `test_time_flip` false (they were evaluated without it), `unfreeze` 0,
    /// `tail_learning_rate_factor` 0.1 (unused without unfrozen blocks), `label_smoothing` 0,
    /// `scales` [128].
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preset = try c.decode(String.self, forKey: .preset)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        patience = try c.decode(Int.self, forKey: .patience)
        monitor = try c.decode(Monitor.self, forKey: .monitor)
        lrFactor = try c.decode(Float.self, forKey: .lrFactor)
        lrPatience = try c.decode(Int.self, forKey: .lrPatience)
        minLearningRate = try c.decode(Float.self, forKey: .minLearningRate)
        hidden = try c.decode(Int.self, forKey: .hidden)
        dropout = try c.decode(Float.self, forKey: .dropout)
        augmentViews = try c.decode(Int.self, forKey: .augmentViews)
        seed = try c.decode(UInt64.self, forKey: .seed)
        testFraction = try c.decode(Double.self, forKey: .testFraction)
        validationFraction = try c.decode(Double.self, forKey: .validationFraction)
        unfreeze = try c.decodeIfPresent(Int.self, forKey: .unfreeze) ?? 0
        tailLearningRateFactor = try c.decodeIfPresent(Float.self, forKey: .tailLearningRateFactor) ?? 0.1
        testTimeFlip = try c.decodeIfPresent(Bool.self, forKey: .testTimeFlip) ?? false
        labelSmoothing = try c.decodeIfPresent(Float.self, forKey: .labelSmoothing) ?? 0
        scales = try c.decodeIfPresent([Int].self, forKey: .scales) ?? [128]
    }
}
