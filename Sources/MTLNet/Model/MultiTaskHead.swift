import Layers
import Tensor

/// The paper's hard-shared multi-task head: `Dense(hidden, ReLU) → Dropout → one Dense (+ softmax)
/// per task`, on top of a frozen feature extractor.
///
/// Shapes: features `[N, featureCount]` → shared `[N, hidden]` → logits `[N, classes_t]` per task.
/// Softmax is applied by `probabilities` (prediction) and inside the loss (training), so the
/// layers themselves output logits.
public final class MultiTaskHead: ParameterGroup {
    public let featureCount: Int
    public let hidden: Int
    public let classCounts: [Int]
    public let shared: Dense
    public let relu = ReLU()
    public let dropout: Dropout
    public let heads: [Dense]

    /// `training` switches dropout on.
    public var training: Bool {
        get { dropout.training }
        set { dropout.training = newValue }
    }

    public init(featureCount: Int, hidden: Int = 128, classCounts: [Int], dropout rate: Float = 0.5, seed: UInt64) {
        precondition(!classCounts.isEmpty && classCounts.allSatisfy { $0 >= 1 }, "MultiTaskHead: every task needs at least one class, got \(classCounts)")
        var rng = SeededRandom(seed: seed)
        self.featureCount = featureCount
        self.hidden = hidden
        self.classCounts = classCounts
        shared = Dense(inputFeatures: featureCount, outputFeatures: hidden, name: "shared", rng: &rng)
        dropout = Dropout(rate: rate, seed: seed &+ 1)
        heads = classCounts.enumerated().map { k, c in Dense(inputFeatures: hidden, outputFeatures: c, name: "task\(k)", rng: &rng) }
    }

    public var parameters: [Parameter] { shared.parameters + heads.flatMap(\.parameters) }

    /// Logits per task for features `[N, featureCount]`.
    public func callAsFunction(_ features: Tensor) -> [Tensor] {
        let h = dropout(relu(shared(features)))   // [N, hidden]
        return heads.map { $0(h) }
    }

    /// Backward from `dL/dlogits` of every task; accumulates parameter gradients and returns
    /// `dL/dfeatures` `[N, featureCount]` (for fine-tuning a backbone under the head).
    @discardableResult
    public func backward(_ gradLogits: [Tensor]) -> Tensor {
        precondition(gradLogits.count == heads.count, "MultiTaskHead.backward: \(gradLogits.count) gradients for \(heads.count) tasks")
        var dh = heads[0].backward(gradLogits[0])   // [N, hidden], summed over tasks
        for k in 1..<heads.count {
            let g = heads[k].backward(gradLogits[k])
            for i in 0..<dh.count { dh.scalars[i] += g.scalars[i] }
        }
        return shared.backward(relu.backward(dropout.backward(dh)))
    }

    /// One training step's loss: masked sparse cross-entropy summed over tasks. labels[k] has
    /// one entry per row (−1 = missing). Runs forward and backward; gradients are zeroed first.
    /// Also returns `dL/dfeatures` for a trainable backbone tail underneath. `smoothing`: label
    /// smoothing of the loss (see `Loss.maskedSparseCrossEntropy`).
    public func lossAndGradients(features: Tensor, labels: [[Int]], smoothing: Float = 0) -> (total: Float, perTask: [Float], logits: [Tensor], gradFeatures: Tensor) {
        zeroGradients()
        let logits = self(features)
        var perTask: [Float] = []
        var grads: [Tensor] = []
        for (k, z) in logits.enumerated() {
            let r = Loss.maskedSparseCrossEntropy(logits: z, labels: labels[k], smoothing: smoothing)
            perTask.append(r.loss); grads.append(r.gradient)
        }
        let gradFeatures = backward(grads)
        return (perTask.reduce(0, +), perTask, logits, gradFeatures)
    }

    /// Class probabilities per task (softmax of the logits), evaluation mode expected.
    public func probabilities(_ features: Tensor) -> [Tensor] {
        self(features).map { z in
            var p = z
            p.scalars.withUnsafeMutableBufferPointer { Naive.softmax($0.baseAddress!, rows: z.shape[0], classes: z.shape[1]) }
            return p
        }
    }
}
