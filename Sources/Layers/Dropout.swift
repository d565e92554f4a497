import Tensor

/// Inverted dropout (Keras's): in training each value is zeroed with probability `rate` and the
/// survivors are scaled by `1 / (1 - rate)`, so evaluation is the identity. Any shape.
/// Masks come from a `SeededRandom`, so a seed reproduces a training run.
public final class Dropout {
    public let rate: Float
    /// `true` while training; evaluation (`false`, the default) passes values through.
    public var training = false
    /// The mask generator; public so that a training checkpoint can store and restore it.
    public var rng: SeededRandom
    private var mask: [Float] = []   // same count as the last input: 0 or 1/(1-rate); empty in eval

    public init(rate: Float, seed: UInt64 = 0) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.rng = SeededRandom(seed: seed)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard training && rate > 0 else { mask = []; return x }
        let keep = 1 / (1 - rate)
        if mask.count != x.count { mask = [Float](repeating: 0, count: x.count) }
        for i in 0..<x.count { mask[i] = rng.nextUnit() < rate ? 0 : keep }
        var y = x
        for i in 0..<x.count { y.scalars[i] *= mask[i] }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard !mask.isEmpty else { return gradOutput }
        precondition(gradOutput.count == mask.count, "Dropout.backward: gradient has \(gradOutput.count) values, mask \(mask.count)")
        var dx = gradOutput
        for i in 0..<dx.count { dx.scalars[i] *= mask[i] }
        return dx
    }
}
