/// Dispatching kernels: each picks the fastest kernel for the shape and falls back to `Naive`.
/// All take raw pointers to buffers the caller allocated once (see `Tensor` for an owning wrapper).
public enum Ops {}

extension Ops {
    /// Floats of scratch `conv2d` needs for `geometry` (0 for 1×1 stride-1 unpadded convolutions).
    public static func conv2dScratchCount(_ g: ConvGeometry) -> Int {
        isPointwise(g) ? 0 : g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth * g.inChannels
    }

    static func isPointwise(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
    }

    /// Convolution: 1×1 → one sgemm over all positions; k×k → im2col per image + sgemm.
    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, Cout]`, bias `[Cout]`?, output `[N, outH, outW, Cout]`,
    /// scratch at least `conv2dScratchCount(geometry)` floats.
    public static func conv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                              geometry g: ConvGeometry, activation: Activation = .linear,
                              scratch: UnsafeMutablePointer<Float>?) {
        let cout = g.outChannels
        if isPointwise(g) {
            let rows = g.batch * g.inHeight * g.inWidth
            BLAS.sgemm(m: rows, n: cout, k: g.inChannels, a: input, lda: g.inChannels, b: weights, ldb: cout,
                       c: output, ldc: cout)
            biasActivate(output, rows: rows, columns: cout, bias: bias, activation: activation)
            return
        }
        guard let scratch else { preconditionFailure("Ops.conv2d: \(g) needs a scratch buffer") }
        let patch = g.kernelHeight * g.kernelWidth * g.inChannels
        let rows = g.outHeight * g.outWidth
        for n in 0..<g.batch {
            im2col(input: input + n * g.inHeight * g.inWidth * g.inChannels, geometry: g, columns: scratch)
            let out = output + n * rows * cout
            BLAS.sgemm(m: rows, n: cout, k: patch, a: scratch, lda: patch, b: weights, ldb: cout, c: out, ldc: cout)
            biasActivate(out, rows: rows, columns: cout, bias: bias, activation: activation)
        }
    }

    /// Unfolds one image `[H, W, Cin]` into `[outH·outW, kH·kW·Cin]` rows (zeros for padding),
    /// whose column order matches HWIO weights viewed as `[kH·kW·Cin, Cout]`.
    public static func im2col(input: UnsafePointer<Float>, geometry g: ConvGeometry, columns: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels
        var dst = columns
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ky in 0..<g.kernelHeight {
                    let iy = oy * g.strideHeight - g.padTop + ky
                    for kx in 0..<g.kernelWidth {
                        let ix = ox * g.strideWidth - g.padLeft + kx
                        if iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth {
                            dst.update(repeating: 0, count: cin)
                        } else {
                            dst.update(from: input + (iy * g.inWidth + ix) * cin, count: cin)
                        }
                        dst += cin
                    }
                }
            }
        }
    }

    /// Dense layer through sgemm. input `[N, In]`, weights `[In, Out]`, bias `[Out]`?, output `[N, Out]`.
    public static func dense(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             output: UnsafeMutablePointer<Float>, batch: Int, inFeatures: Int, outFeatures: Int,
                             activation: Activation = .linear) {
        BLAS.sgemm(m: batch, n: outFeatures, k: inFeatures, a: input, lda: inFeatures, b: weights, ldb: outFeatures,
                   c: output, ldc: outFeatures)
        biasActivate(output, rows: batch, columns: outFeatures, bias: bias, activation: activation)
    }

    /// Adds a per-column bias and applies the activation to a `[rows, columns]` block, in place.
    @inline(__always)
    public static func biasActivate(_ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                    bias: UnsafePointer<Float>?, activation: Activation) {
        if bias == nil && activation == .linear { return }
        for r in 0..<rows {
            let row = data + r * columns
            for c in 0..<columns {
                var v = row[c] + (bias?[c] ?? 0)
                switch activation {
                case .linear: break
                case .relu: v = max(v, 0)
                case .relu6: v = min(max(v, 0), 6)
                }
                row[c] = v
            }
        }
    }

    /// Depthwise convolution (multiplier 1). Specialised SIMD kernels for 3×3 stride 1 and 2,
    /// `Naive.depthwiseConv2d` otherwise. Shapes as in `Naive.depthwiseConv2d`.
    public static func depthwiseConv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                       geometry g: ConvGeometry, activation: Activation = .linear) {
        Naive.depthwiseConv2d(input: input, weights: weights, bias: bias, output: output, geometry: g, activation: activation)
    }
}
