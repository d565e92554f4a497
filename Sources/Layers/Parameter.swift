import Tensor

/// A trainable tensor and the gradient accumulated for it by the backward passes.
///
/// A reference type so that a layer, an optimiser and a checkpoint all see the same storage:
/// the optimiser updates `value` in place, backward passes add into `gradient`.
public final class Parameter {
    /// Stable name, used as the tensor name in weight files (e.g. `shared.weight`).
    public let name: String
    public var value: Tensor
    /// Same shape as `value`; summed over the batch by backward passes until `zeroGradient()`.
    public var gradient: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }

    public func zeroGradient() {
        gradient.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// Anything with trainable parameters (a layer or a network of layers).
public protocol ParameterGroup: AnyObject {
    /// Every trainable parameter, in a stable order with unique names.
    var parameters: [Parameter] { get }
}

extension ParameterGroup {
    public func zeroGradients() { for p in parameters { p.zeroGradient() } }

    /// Copies of every parameter value (a checkpoint kept in memory, e.g. the best epoch).
    public func snapshot() -> [Tensor] { parameters.map(\.value) }

    /// Puts back values taken by `snapshot()`.
    public func restore(_ values: [Tensor]) {
        let ps = parameters
        precondition(ps.count == values.count, "restore: \(values.count) tensors for \(ps.count) parameters")
        for (p, v) in zip(ps, values) {
            precondition(p.value.shape == v.shape, "restore: \(p.name) has shape \(p.value.shape), got \(v.shape)")
            p.value = v
        }
    }
}
