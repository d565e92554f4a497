/// Batch normalisation in training mode: statistics of the current batch, running statistics updated.
/// Data `[P, C]` with P = N·H·W positions (NHWC viewed as rows of channels).
extension Ops {
    // Forward:  μ_c = Σ_p x[p,c] / P,  σ²_c = Σ_p (x[p,c] − μ_c)² / P  (biased, as Keras and PyTorch normalise),
    //           x̂ = (x − μ) · invStd,  invStd = 1/√(σ² + ε),  y = γ·x̂ + β.
    //           running = momentum · running + (1 − momentum) · batch   (Keras convention: momentum 0.99;
    //           PyTorch's momentum m is Keras's 1 − m). The running variance takes the unbiased batch
    //           variance σ²·P/(P−1), as PyTorch; Keras uses the biased one — pass `unbiasedRunningVariance`.
    // Backward: dβ += Σ_p dy,  dγ += Σ_p dy·x̂,
    //           dx += γ·invStd/P · (P·dy − Σ_p dy − x̂ · Σ_p dy·x̂)

    /// Training-mode batch-norm forward.
    /// input `[P, C]`, output `[P, C]` (may alias input), gamma/beta `[C]`? (1/0 when nil),
    /// runningMean/runningVariance `[C]` updated in place, saveMean/saveInvStd `[C]` written for the backward.
    public static func batchNormTrainingForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                                positions p: Int, channels c: Int,
                                                gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                                epsilon: Float, momentum: Float,
                                                runningMean: UnsafeMutablePointer<Float>,
                                                runningVariance: UnsafeMutablePointer<Float>,
                                                unbiasedRunningVariance: Bool = true,
                                                saveMean: UnsafeMutablePointer<Float>,
                                                saveInvStd: UnsafeMutablePointer<Float>) {
        precondition(p > 0 && c > 0, "batchNormTrainingForward: empty batch")
        // Sums in Double: P reaches 10⁵ per channel and Float sums would drift.
        var sum = [Double](repeating: 0, count: c), squares = [Double](repeating: 0, count: c)
        for i in 0..<p {
            let row = input + i * c
            for ch in 0..<c { sum[ch] += Double(row[ch]) }
        }
        for ch in 0..<c { sum[ch] /= Double(p) }
        for i in 0..<p {
            let row = input + i * c
            for ch in 0..<c { let d = Double(row[ch]) - sum[ch]; squares[ch] += d * d }
        }
        for ch in 0..<c {
            let variance = squares[ch] / Double(p)
            let mean = Float(sum[ch])
            saveMean[ch] = mean
            saveInvStd[ch] = Float(1 / (variance + Double(epsilon)).squareRoot())
            let runningBatchVariance = unbiasedRunningVariance && p > 1 ? variance * Double(p) / Double(p - 1) : variance
            runningMean[ch] = momentum * runningMean[ch] + (1 - momentum) * mean
            runningVariance[ch] = momentum * runningVariance[ch] + (1 - momentum) * Float(runningBatchVariance)
        }
        for i in 0..<p {
            let x = input + i * c, y = output + i * c
            for ch in 0..<c {
                y[ch] = (x[ch] - saveMean[ch]) * saveInvStd[ch] * (gamma?[ch] ?? 1) + (beta?[ch] ?? 0)
            }
        }
    }

    /// Training-mode batch-norm backward (see the formulas above).
    /// input `[P, C]` (the forward's input), dOutput `[P, C]`, saveMean/saveInvStd `[C]` from the forward,
    /// dInput `[P, C]`?, dGamma/dBeta `[C]`? — all accumulated.
    public static func batchNormTrainingBackward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                                 positions p: Int, channels c: Int, gamma: UnsafePointer<Float>?,
                                                 saveMean: UnsafePointer<Float>, saveInvStd: UnsafePointer<Float>,
                                                 dInput: UnsafeMutablePointer<Float>?,
                                                 dGamma: UnsafeMutablePointer<Float>?, dBeta: UnsafeMutablePointer<Float>?) {
        var sumDy = [Double](repeating: 0, count: c), sumDyXhat = [Double](repeating: 0, count: c)
        for i in 0..<p {
            let x = input + i * c, dy = dOutput + i * c
            for ch in 0..<c {
                let xhat = (x[ch] - saveMean[ch]) * saveInvStd[ch]
                sumDy[ch] += Double(dy[ch])
                sumDyXhat[ch] += Double(dy[ch] * xhat)
            }
        }
        for ch in 0..<c {
            dBeta?[ch] += Float(sumDy[ch])
            dGamma?[ch] += Float(sumDyXhat[ch])
        }
        guard let dInput else { return }
        let meanDy = sumDy.map { Float($0 / Double(p)) }, meanDyXhat = sumDyXhat.map { Float($0 / Double(p)) }
        for i in 0..<p {
            let x = input + i * c, dy = dOutput + i * c, dx = dInput + i * c
            for ch in 0..<c {
                let xhat = (x[ch] - saveMean[ch]) * saveInvStd[ch]
                dx[ch] += (gamma?[ch] ?? 1) * saveInvStd[ch] * (dy[ch] - meanDy[ch] - xhat * meanDyXhat[ch])
            }
        }
    }
}
