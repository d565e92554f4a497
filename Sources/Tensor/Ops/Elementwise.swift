import Foundation

/// Elementwise and channel ops on raw buffers. Cheap ones are vectorised; sigmoid and softmax run once per
/// network on small heads and use the naive kernels.
extension Ops {
    /// `output = a + b` over `count` values (output may alias a or b).
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           count: Int) {
        var i = 0
        while i + 8 <= count {
            (SIMD8<Float>(loading: a + i) + SIMD8<Float>(loading: b + i)).store(to: output + i)
            i += 8
        }
        while i < count { output[i] = a[i] + b[i]; i += 1 }
    }

    /// ReLU / ReLU6 in place over `count` values.
    public static func activate(_ data: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        if activation == .linear { return }
        biasActivate(data, rows: 1, columns: count, bias: nil, activation: activation)
    }

    /// PReLU in place, one slope per channel. data `[..., C]`, alpha `[C]`.
    public static func prelu(_ data: UnsafeMutablePointer<Float>, count: Int, channels: Int, alpha: UnsafePointer<Float>) {
        precondition(count % channels == 0, "Ops.prelu: \(count) values are not a multiple of \(channels) channels")
        let zero = SIMD8<Float>(repeating: 0)
        for p in 0..<(count / channels) {
            let row = data + p * channels
            var c = 0
            while c + 8 <= channels {
                let v = SIMD8<Float>(loading: row + c)
                v.replacing(with: v * SIMD8<Float>(loading: alpha + c), where: v .< zero).store(to: row + c)
                c += 8
            }
            while c < channels { if row[c] < 0 { row[c] *= alpha[c] }; c += 1 }
        }
    }

    /// Logistic sigmoid in place.
    public static func sigmoid(_ data: UnsafeMutablePointer<Float>, count: Int) {
        Naive.sigmoid(data, count: count)
    }

    /// Softmax over the last axis, in place, numerically stable. data `[rows, classes]`.
    public static func softmax(_ data: UnsafeMutablePointer<Float>, rows: Int, classes: Int) {
        Naive.softmax(data, rows: rows, classes: classes)
    }

    /// Concatenation along channels. inputs[k] is `[P, C_k]` (P = N·H·W positions), output `[P, ΣC_k]`.
    public static func concatChannels(_ inputs: [(pointer: UnsafePointer<Float>, channels: Int)], positions: Int,
                                      output: UnsafeMutablePointer<Float>) {
        let total = inputs.reduce(0) { $0 + $1.channels }
        var offset = 0
        for (source, c) in inputs {
            for p in 0..<positions { (output + p * total + offset).update(from: source + p * c, count: c) }
            offset += c
        }
    }

    /// Folds an inference batch-norm that follows a convolution into its weights and bias:
    /// `w' = w · γ/√(σ²+ε)`, `b' = (b − μ) · γ/√(σ²+ε) + β`, per output channel.
    ///
    /// The output channel is the last axis of every weight layout used here: conv HWIO `[kH, kW, Cin, Cout]`,
    /// depthwise `[kH, kW, C]`, dense `[In, Out]`. `gamma`/`beta` default to 1/0 (Keras `scale=False` / `center=False`).
    public static func foldBatchNorm(weights: Tensor, bias: Tensor?, gamma: Tensor?, beta: Tensor?, mean: Tensor,
                                     variance: Tensor, eps: Float) -> (weights: Tensor, bias: Tensor) {
        let channels = weights.shape.last ?? 0
        for (name, t) in [("bias", bias), ("gamma", gamma), ("beta", beta), ("mean", mean), ("variance", variance)] {
            if let t {
                precondition(t.count == channels, "foldBatchNorm: \(name) has \(t.count) values for \(channels) channels")
            }
        }
        var scale = [Float](repeating: 0, count: channels)
        var folded = Tensor(zeros: [channels])
        for c in 0..<channels {
            scale[c] = (gamma?.scalars[c] ?? 1) / (variance.scalars[c] + eps).squareRoot()
            folded.scalars[c] = ((bias?.scalars[c] ?? 0) - mean.scalars[c]) * scale[c] + (beta?.scalars[c] ?? 0)
        }
        var w = weights
        for i in 0..<w.count { w.scalars[i] *= scale[i % channels] }
        return (w, folded)
    }
}
