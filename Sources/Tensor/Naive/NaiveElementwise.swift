import Foundation

extension Naive {
    /// Inference batch-norm, in place. data `[..., C]`; `y = (x - mean) / sqrt(var + eps) * gamma + beta`.
    public static func batchNormInference(_ data: UnsafeMutablePointer<Float>, count: Int, channels: Int,
                                          gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                          mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, epsilon: Float) {
        for i in 0..<count {
            let c = i % channels
            let inv = 1 / (variance[c] + epsilon).squareRoot()
            data[i] = (data[i] - mean[c]) * inv * (gamma?[c] ?? 1) + (beta?[c] ?? 0)
        }
    }

    /// Activation in place over `count` values.
    public static func activate(_ data: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        for i in 0..<count { data[i] = activate(data[i], activation) }
    }

    /// PReLU in place with one slope per channel. data `[..., C]`, alpha `[C]`.
    public static func prelu(_ data: UnsafeMutablePointer<Float>, count: Int, channels: Int, alpha: UnsafePointer<Float>) {
        for i in 0..<count where data[i] < 0 { data[i] *= alpha[i % channels] }
    }

    /// Logistic sigmoid in place.
    public static func sigmoid(_ data: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { data[i] = 1 / (1 + Foundation.exp(-data[i])) }
    }

    /// Softmax over the last axis, in place, numerically stable (max subtracted). data `[rows, classes]`.
    public static func softmax(_ data: UnsafeMutablePointer<Float>, rows: Int, classes: Int) {
        for r in 0..<rows {
            let row = data + r * classes
            var m = -Float.infinity
            for j in 0..<classes { m = max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<classes { row[j] = Foundation.exp(row[j] - m); sum += row[j] }
            for j in 0..<classes { row[j] /= sum }
        }
    }

    /// Elementwise `output = a + b` (output may alias a or b).
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = a[i] + b[i] }
    }

    /// Concatenation along channels. inputs[k] is `[P, C_k]` (P = N·H·W positions), output `[P, ΣC_k]`.
    public static func concatChannels(_ inputs: [(pointer: UnsafePointer<Float>, channels: Int)],
                                      positions: Int, output: UnsafeMutablePointer<Float>) {
        let total = inputs.reduce(0) { $0 + $1.channels }
        var offset = 0
        for (p, c) in inputs {
            for pos in 0..<positions {
                for ch in 0..<c { output[pos * total + offset + ch] = p[pos * c + ch] }
            }
            offset += c
        }
    }

    /// Bilinear resize with half-pixel centres (OpenCV `INTER_LINEAR`, PyTorch `align_corners=False`),
    /// edges clamped. input `[N, H, W, C]`, output `[N, outH, outW, C]`.
    public static func resizeBilinear(input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
                                      output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int) {
        let sy = Float(height) / Float(outHeight), sx = Float(width) / Float(outWidth)
        for n in 0..<batch {
            for oy in 0..<outHeight {
                let fy = max((Float(oy) + 0.5) * sy - 0.5, 0)
                let y0 = min(Int(fy), height - 1), y1 = min(y0 + 1, height - 1), wy = fy - Float(y0)
                for ox in 0..<outWidth {
                    let fx = max((Float(ox) + 0.5) * sx - 0.5, 0)
                    let x0 = min(Int(fx), width - 1), x1 = min(x0 + 1, width - 1), wx = fx - Float(x0)
                    for c in 0..<channels {
                        func at(_ y: Int, _ x: Int) -> Float { input[((n * height + y) * width + x) * channels + c] }
                        let top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
                        let bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
                        output[((n * outHeight + oy) * outWidth + ox) * channels + c] = top * (1 - wy) + bottom * wy
                    }
                }
            }
        }
    }

    /// Area resize for downscaling (PyTorch `interpolate(mode: "area")` = adaptive average pooling):
    /// each output pixel averages input rows `floor(i·H/outH) ..< ceil((i+1)·H/outH)`, likewise columns.
    public static func resizeArea(input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int,
                                  output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int) {
        for n in 0..<batch {
            for oy in 0..<outHeight {
                let ya = oy * height / outHeight, yb = ((oy + 1) * height + outHeight - 1) / outHeight
                for ox in 0..<outWidth {
                    let xa = ox * width / outWidth, xb = ((ox + 1) * width + outWidth - 1) / outWidth
                    for c in 0..<channels {
                        var sum: Float = 0
                        for y in ya..<yb { for x in xa..<xb { sum += input[((n * height + y) * width + x) * channels + c] } }
                        output[((n * outHeight + oy) * outWidth + ox) * channels + c] = sum / Float((yb - ya) * (xb - xa))
                    }
                }
            }
        }
    }

    /// Bilinear affine warp. For each output pixel (x, y) samples the input at
    /// `(m[0]·x + m[1]·y + m[2], m[3]·x + m[4]·y + m[5])` (the inverse map, in pixel-centre integer
    /// coordinates as OpenCV's `warpAffine` with `WARP_INVERSE_MAP`); outside the input reads `border`.
    /// input `[H, W, C]`, output `[outH, outW, C]`.
    public static func warpAffine(input: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
                                  inverseMatrix m: [Float], output: UnsafeMutablePointer<Float>,
                                  outHeight: Int, outWidth: Int, border: Float = 0) {
        precondition(m.count == 6, "warpAffine: the matrix has 6 entries (2×3, row-major)")
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                let fx = m[0] * Float(ox) + m[1] * Float(oy) + m[2]
                let fy = m[3] * Float(ox) + m[4] * Float(oy) + m[5]
                let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                let wx = fx - Float(x0), wy = fy - Float(y0)
                for c in 0..<channels {
                    func at(_ y: Int, _ x: Int) -> Float {
                        (y < 0 || y >= height || x < 0 || x >= width) ? border : input[(y * width + x) * channels + c]
                    }
                    let top = at(y0, x0) * (1 - wx) + at(y0, x0 + 1) * wx
                    let bottom = at(y0 + 1, x0) * (1 - wx) + at(y0 + 1, x0 + 1) * wx
                    output[(oy * outWidth + ox) * channels + c] = top * (1 - wy) + bottom * wy
                }
            }
        }
    }
}
