import Foundation
import Tensor

/// Fully connected layer `y = x·W + b`.
///
/// Layouts: input `[N, inputFeatures]`, weight `[inputFeatures, outputFeatures]` (the `.fcw` dense
/// layout), bias `[outputFeatures]`, output `[N, outputFeatures]`. Forward caches its input, the
/// only thing backward needs (`dW = xᵀ·dy`, `dx = dy·Wᵀ`).
public final class Dense: ParameterGroup {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let weight: Parameter   // [in, out]
    public let bias: Parameter     // [out]
    private var input: Tensor?     // [N, in], cached by forward for backward

    /// Glorot-uniform weights (Keras's default: limit `sqrt(6 / (in + out))`), zero bias.
    public init(inputFeatures: Int, outputFeatures: Int, name: String = "dense", rng: inout SeededRandom) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Dense: sizes must be positive, got \(inputFeatures)→\(outputFeatures)")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        let limit = (6 / Float(inputFeatures + outputFeatures)).squareRoot()
        weight = Parameter(name: name + ".weight",
                           value: Tensor(randomUniform: [inputFeatures, outputFeatures], in: -limit...limit, using: &rng))
        bias = Parameter(name: name + ".bias", value: Tensor(zeros: [outputFeatures]))
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// Forward: `[N, in]` → `[N, out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inputFeatures,
                     "Dense: input \(x.shape) does not match \(inputFeatures) input features")
        input = x
        return x.dense(weights: weight.value, bias: bias.value)
    }

    /// Backward: takes `dL/dy` `[N, out]`, adds `dL/dW` and `dL/db` into the gradients and
    /// returns `dL/dx` `[N, in]`.
    @discardableResult
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Dense.backward called before forward") }
        let n = x.shape[0]
        precondition(gradOutput.shape == [n, outputFeatures],
                     "Dense.backward: gradient \(gradOutput.shape), expected \([n, outputFeatures])")
        var gradInput = Tensor(zeros: [n, inputFeatures])
        x.scalars.withUnsafeBufferPointer { xp in
            gradOutput.scalars.withUnsafeBufferPointer { dy in
                weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                    // dW[in, out] += xᵀ[in, N] · dy[N, out]
                    BLAS.sgemm(transposeA: true, m: inputFeatures, n: outputFeatures, k: n,
                               a: xp.baseAddress!, lda: inputFeatures, b: dy.baseAddress!, ldb: outputFeatures,
                               beta: 1, c: dw.baseAddress!, ldc: outputFeatures)
                }
                weight.value.scalars.withUnsafeBufferPointer { w in
                    gradInput.scalars.withUnsafeMutableBufferPointer { dx in
                        // dx[N, in] = dy[N, out] · Wᵀ[out, in]
                        BLAS.sgemm(transposeB: true, m: n, n: inputFeatures, k: outputFeatures,
                                   a: dy.baseAddress!, lda: outputFeatures, b: w.baseAddress!, ldb: outputFeatures,
                                   c: dx.baseAddress!, ldc: inputFeatures)
                    }
                }
                bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
                    for r in 0..<n {
                        for c in 0..<outputFeatures { db[c] += dy[r * outputFeatures + c] }
                    }
                }
            }
        }
        return gradInput
    }
}
