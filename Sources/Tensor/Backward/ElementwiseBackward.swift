import Foundation

/// Backward passes of activations, add, concat and dropout (gradients accumulated, see ConvolutionBackward.swift).
extension Ops {
    // Forward: `Ops.activate` / fused activations. y = relu(x) = max(x, 0); relu6 = min(max(x, 0), 6); sigmoid = 1/(1+e^−x).
    // Backward from the *output* y (so the forward may run in place):
    //   relu: dx += dy · [y > 0];  relu6: dx += dy · [0 < y < 6];  linear: dx += dy;  sigmoid: dx += dy · y(1 − y).

    /// Activation backward. output `[count]` (the forward's result), dOutput `[count]`, dInput `[count]`
    /// (may alias dOutput, then the gradient is replaced instead of accumulated).
    public static func activationBackward(output: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                          dInput: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        let aliased = UnsafePointer(dInput) == dOutput
        for i in 0..<count {
            let y = output[i]
            let pass: Bool
            switch activation {
            case .linear: pass = true
            case .relu: pass = y > 0
            case .relu6: pass = y > 0 && y < 6
            }
            let g = pass ? dOutput[i] : 0
            dInput[i] = aliased ? g : dInput[i] + g
        }
    }

    /// Sigmoid backward from the forward's output. output, dOutput, dInput `[count]`.
    public static func sigmoidBackward(output: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                       dInput: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dInput[i] += dOutput[i] * output[i] * (1 - output[i]) }
    }

    // Forward: `Ops.prelu`. y = x for x > 0, α_c·x otherwise.
    //   dx += dy · (x > 0 ? 1 : α_c),  dα_c += Σ_{x ≤ 0} dy · x

    /// PReLU backward. input `[P, C]` (the forward's input), alpha `[C]`, dOutput `[P, C]`, dInput `[P, C]`?, dAlpha `[C]`?.
    public static func preluBackward(input: UnsafePointer<Float>, alpha: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                     dInput: UnsafeMutablePointer<Float>?, dAlpha: UnsafeMutablePointer<Float>?,
                                     count: Int, channels: Int) {
        for i in 0..<count {
            let c = i % channels, x = input[i]
            if x > 0 {
                dInput?[i] += dOutput[i]
            } else {
                dInput?[i] += dOutput[i] * alpha[c]
                dAlpha?[c] += dOutput[i] * x
            }
        }
    }

    // Forward: `Ops.add`. y = a + b;  da += dy, db += dy.

    /// Add backward: accumulates dOutput `[count]` into each of `dInputs`.
    public static func addBackward(dOutput: UnsafePointer<Float>, dInputs: [UnsafeMutablePointer<Float>], count: Int) {
        for d in dInputs { addInPlace(d, dOutput, count: count) }
    }

    // Forward: `Ops.concatChannels`. Backward: each input takes back its slice of channels.

    /// Concat backward. dOutput `[P, ΣC_k]`, dInputs[k] `[P, C_k]` (accumulated).
    public static func concatChannelsBackward(dOutput: UnsafePointer<Float>, positions: Int,
                                              dInputs: [(pointer: UnsafeMutablePointer<Float>, channels: Int)]) {
        let total = dInputs.reduce(0) { $0 + $1.channels }
        var offset = 0
        for (d, c) in dInputs {
            for p in 0..<positions { addInPlace(d + p * c, dOutput + p * total + offset, count: c) }
            offset += c
        }
    }

    // Dropout (inverted, as Keras/PyTorch): keep with probability 1 − rate and scale kept values by 1/(1 − rate),
    // so inference is the identity. mask[i] ∈ {0, 1/(1 − rate)};  y = x · mask;  dx += dy · mask.

    /// Dropout forward. input, output (may alias), mask `[count]` written for the backward; `rng` decides.
    public static func dropoutForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                      mask: UnsafeMutablePointer<Float>, count: Int, rate: Float,
                                      using rng: inout SeededRandom) {
        precondition(rate >= 0 && rate < 1, "dropoutForward: rate \(rate) must be in [0, 1)")
        let keep = 1 / (1 - rate)
        for i in 0..<count {
            mask[i] = rng.nextUnit() < rate ? 0 : keep
            output[i] = input[i] * mask[i]
        }
    }

    /// Dropout backward. dOutput, mask, dInput `[count]`.
    public static func dropoutBackward(dOutput: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                                       dInput: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dInput[i] += dOutput[i] * mask[i] }
    }
}
