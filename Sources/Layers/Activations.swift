import Tensor

/// Rectified linear unit, any shape. Forward caches its output: backward passes the gradient
/// where the output is positive (the subgradient at 0 is taken as 0, as in TensorFlow).
public final class ReLU {
    private var output: Tensor?

    public init() {}

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        y.scalars.withUnsafeMutableBufferPointer { p in
            for i in p.indices where p[i] < 0 { p[i] = 0 }
        }
        output = y
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let y = output else { preconditionFailure("ReLU.backward called before forward") }
        precondition(gradOutput.shape == y.shape, "ReLU.backward: gradient \(gradOutput.shape), expected \(y.shape)")
        var dx = gradOutput
        dx.scalars.withUnsafeMutableBufferPointer { d in
            y.scalars.withUnsafeBufferPointer { yp in
                for i in d.indices where yp[i] <= 0 { d[i] = 0 }
            }
        }
        return dx
    }
}
