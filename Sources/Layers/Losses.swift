import Foundation
import Tensor

/// Losses returning the value and the gradient with respect to their input.
public enum Loss {
    /// Label value meaning "this sample has no label for this task".
    public static let missing = -1

    /// Sparse categorical cross-entropy over `softmax(logits)`, masked.
    ///
    /// logits `[N, C]`, labels `[N]` in `0..<C` or `Loss.missing`. Computed from logits with the
    /// log-sum-exp shift (stable for any logit size). A sample with a missing label contributes
    /// nothing to the loss nor to the gradient; the loss is the mean over the `present` labelled
    /// samples (0 with zero gradient when none is labelled). gradient `[N, C]` =
    /// `(softmax − target) / present` on labelled rows, 0 elsewhere.
    ///
    /// `smoothing` ε spreads part of each label over all classes (label smoothing, as PyTorch's
    /// `label_smoothing`): target = (1 − ε)·onehot + ε/C. It keeps the logits of a head trained
    /// on few images from growing without bound, which calibrates its probabilities.
    public static func maskedSparseCrossEntropy(logits: Tensor, labels: [Int], smoothing: Float = 0) -> (loss: Float, gradient: Tensor, present: Int) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "maskedSparseCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
        precondition((0..<1).contains(smoothing), "maskedSparseCrossEntropy: smoothing \(smoothing) not in 0..<1")
        let (n, c) = (logits.shape[0], logits.shape[1])
        let present = labels.reduce(0) { $0 + ($1 == missing ? 0 : 1) }
        var gradient = Tensor(zeros: [n, c])
        guard present > 0 else { return (0, gradient, 0) }
        var total: Double = 0
        let scale = 1 / Float(present)
        let spread = smoothing / Float(c)          // target of every class
        let hit = 1 - smoothing + spread            // target of the labelled class
        logits.scalars.withUnsafeBufferPointer { z in
            gradient.scalars.withUnsafeMutableBufferPointer { g in
                for r in 0..<n where labels[r] != missing {
                    let y = labels[r]
                    precondition(y >= 0 && y < c, "maskedSparseCrossEntropy: label \(y) out of 0..<\(c)")
                    let row = z.baseAddress! + r * c
                    var m = -Float.infinity
                    for j in 0..<c { m = max(m, row[j]) }
                    var sum: Float = 0
                    for j in 0..<c { sum += Foundation.exp(row[j] - m) }
                    let logSum = m + Foundation.log(sum)
                    // −Σ target·log p = logSum − Σ target·z
                    var targetDotZ: Float = 0
                    for j in 0..<c { targetDotZ += (j == y ? hit : spread) * row[j] }
                    total += Double(logSum - targetDotZ)
                    for j in 0..<c { g[r * c + j] = (Foundation.exp(row[j] - logSum) - (j == y ? hit : spread)) * scale }
                }
            }
        }
        return (Float(total / Double(present)), gradient, present)
    }
}
