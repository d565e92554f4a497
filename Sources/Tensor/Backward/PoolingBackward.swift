/// Backward passes of pooling (gradients accumulated, see ConvolutionBackward.swift).
extension Ops {
    // Forward: `Ops.maxPool2d`. y = max over the window (padding never wins).
    // Backward: each dy goes to the input position that won (the first maximum in window order, as the forward's
    // scan), found again from the input so the forward need not store indices.

    /// Max-pool backward. input `[N, H, W, C]` (the forward's input), dOutput `[N, outH, outW, C]`, dInput `[N, H, W, C]`.
    public static func maxPool2dBackward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                         dInput: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        let c = g.inChannels
        poolWindows(g, output: UnsafeMutablePointer(mutating: dOutput)) { window, dY in
            for ch in 0..<c {
                var best = -Float.infinity, winner = -1
                for iy in window.rows {
                    for ix in window.columns {
                        let index = ((window.image * g.inHeight + iy) * g.inWidth + ix) * c + ch
                        if input[index] > best { best = input[index]; winner = index }
                    }
                }
                if winner >= 0 { dInput[winner] += dY[ch] }
            }
        }
    }

    // Forward: `Ops.avgPool2d`. y = Σ window / divisor (window size incl. padding, or positions inside).
    // Backward: every input position of the window receives dy / divisor.

    /// Average-pool backward. dOutput `[N, outH, outW, C]`, dInput `[N, H, W, C]`; `countPadding` as the forward.
    public static func avgPool2dBackward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                                         geometry g: ConvGeometry, countPadding: Bool) {
        let c = g.inChannels
        poolWindows(g, output: UnsafeMutablePointer(mutating: dOutput)) { window, dY in
            let divisor = countPadding ? window.paddedCount : max(window.rows.count * window.columns.count, 1)
            let scale = 1 / Float(divisor)
            for iy in window.rows {
                for ix in window.columns {
                    let dX = dInput + ((window.image * g.inHeight + iy) * g.inWidth + ix) * c
                    for ch in 0..<c { dX[ch] += dY[ch] * scale }
                }
            }
        }
    }

    // Forward: `Ops.globalAvgPool`. y[n, c] = Σ_{h,w} x / (H·W);  dx[n, h, w, c] += dy[n, c] / (H·W).

    /// Global average-pool backward. dOutput `[N, C]`, dInput `[N, H, W, C]`.
    public static func globalAvgPoolBackward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                                             batch: Int, height: Int, width: Int, channels: Int) {
        let scale = 1 / Float(height * width)
        for n in 0..<batch {
            for p in 0..<(height * width) {
                let dX = dInput + (n * height * width + p) * channels
                for ch in 0..<channels { dX[ch] += dOutput[n * channels + ch] * scale }
            }
        }
    }
}
