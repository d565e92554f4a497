import Foundation
import Tensor

/// Adam (Kingma & Ba) exactly as Keras applies it: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)` with Keras's defaults β₁ 0.9, β₂ 0.999, ε 1e-7.
/// Moments are kept per parameter object; `learningRate` may be changed between steps (schedules).
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public private(set) var step = 0
    private var moments: [ObjectIdentifier: (m: [Float], v: [Float])] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        precondition(learningRate > 0, "Adam: learning rate must be positive, got \(learningRate)")
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
    }

    /// One update of every parameter from its accumulated gradient (the gradients are left as they are).
    public func update(_ parameters: [Parameter]) {
        step += 1
        let t = Float(step)
        let alpha = learningRate * (1 - Foundation.pow(beta2, t)).squareRoot() / (1 - Foundation.pow(beta1, t))
        for p in parameters {
            let id = ObjectIdentifier(p)
            var state = moments[id] ?? ([Float](repeating: 0, count: p.value.count), [Float](repeating: 0, count: p.value.count))
            moments[id] = nil   // keep the arrays uniquely referenced while mutating
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            p.gradient.scalars.withUnsafeBufferPointer { g in
                p.value.scalars.withUnsafeMutableBufferPointer { w in
                    for i in 0..<g.count {
                        let m = b1 * state.m[i] + (1 - b1) * g[i]
                        let v = b2 * state.v[i] + (1 - b2) * g[i] * g[i]
                        state.m[i] = m; state.v[i] = v
                        w[i] -= alpha * m / (v.squareRoot() + eps)
                    }
                }
            }
            moments[id] = state
        }
    }

    /// First and second moments of each of `parameters` (zeros for one not updated yet), for a
    /// training checkpoint; with `step` they are the optimiser's whole state.
    public func moments(of parameters: [Parameter]) -> [(m: [Float], v: [Float])] {
        parameters.map { p in
            moments[ObjectIdentifier(p)] ?? ([Float](repeating: 0, count: p.value.count), [Float](repeating: 0, count: p.value.count))
        }
    }

    /// Puts back a state taken by `moments(of:)` and `step`, so that the next `update` continues
    /// bit-exactly (resuming from a checkpoint).
    public func restore(step: Int, moments saved: [(m: [Float], v: [Float])], of parameters: [Parameter]) {
        precondition(step >= 0 && saved.count == parameters.count, "Adam.restore: \(saved.count) moments for \(parameters.count) parameters")
        for (p, s) in zip(parameters, saved) {
            precondition(s.m.count == p.value.count && s.v.count == p.value.count, "Adam.restore: \(p.name) has \(p.value.count) values")
            moments[ObjectIdentifier(p)] = s
        }
        self.step = step
    }
}
