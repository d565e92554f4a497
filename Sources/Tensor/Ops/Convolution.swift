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

    /// Convolution: 1×1 → one sgemm over all positions; k×k → im2col per image + sgemm. Large layers are
    /// split across `ThreadPool.shared` by output positions (each part runs its own sgemm on its rows).
    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, Cout]`, bias `[Cout]`?, output `[N, outH, outW, Cout]`,
    /// scratch at least `conv2dScratchCount(geometry)` floats.
    public static func conv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                              geometry g: ConvGeometry, activation: Activation = .linear,
                              scratch: UnsafeMutablePointer<Float>?) {
        let cout = g.outChannels
        if isPointwise(g) {
            let rows = g.batch * g.inHeight * g.inWidth
            let flops = 2.0 * Double(rows) * Double(cout) * Double(g.inChannels)
            if rows < 32 && cout >= 128 {
                pointwiseFewRows(input: input, weights: weights, bias: bias, output: output, rows: rows,
                                 inChannels: g.inChannels, outChannels: cout, activation: activation)
                return
            }
            ThreadPool.shared.parallelFor(rows, cost: flops, minimumItems: 16) { part in
                BLAS.sgemm(m: part.count, n: cout, k: g.inChannels, a: input + part.lowerBound * g.inChannels,
                           lda: g.inChannels, b: weights, ldb: cout, c: output + part.lowerBound * cout, ldc: cout)
                biasActivate(output + part.lowerBound * cout, rows: part.count, columns: cout, bias: bias,
                             activation: activation)
            }
            return
        }
        guard let scratch else { preconditionFailure("Ops.conv2d: \(g) needs a scratch buffer") }
        let patch = g.kernelHeight * g.kernelWidth * g.inChannels
        let positions = g.outHeight * g.outWidth
        let flops = 2.0 * Double(positions) * Double(cout) * Double(patch)
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * g.inWidth * g.inChannels
            let out = output + n * positions * cout
            // Each part unfolds and multiplies its own rows of the column matrix: parts never overlap.
            ThreadPool.shared.parallelFor(positions, cost: flops, minimumItems: 16) { part in
                let columns = scratch + part.lowerBound * patch
                im2col(input: image, geometry: g, positions: part, columns: columns)
                BLAS.sgemm(m: part.count, n: cout, k: patch, a: columns, lda: patch, b: weights, ldb: cout,
                           c: out + part.lowerBound * cout, ldc: cout)
                biasActivate(out + part.lowerBound * cout, rows: part.count, columns: cout, bias: bias,
                             activation: activation)
            }
        }
    }

    /// 1×1 convolution over very few positions (MobileNet's 4×4 layers): OpenBLAS is faster computing
    /// Yᵀ `[Cout, P]` = Wᵀ · Xᵀ than Y with M = P < 32, so it does that and transposes Y back.
    static func pointwiseFewRows(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, rows: Int, inChannels: Int, outChannels: Int,
                                 activation: Activation) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * outChannels) { transposed in
            let yt = transposed.baseAddress!
            let flops = 2.0 * Double(rows * inChannels * outChannels)
            ThreadPool.shared.parallelFor(outChannels, cost: flops, minimumItems: 64) { part in
                BLAS.sgemm(transposeA: true, transposeB: true, m: part.count, n: rows, k: inChannels,
                           a: weights + part.lowerBound, lda: outChannels, b: input, ldb: inChannels,
                           c: yt + part.lowerBound * rows, ldc: rows)
            }
            for r in 0..<rows {
                for c in 0..<outChannels { output[r * outChannels + c] = yt[c * rows + r] }
            }
        }
        biasActivate(output, rows: rows, columns: outChannels, bias: bias, activation: activation)
    }

    /// Unfolds one image `[H, W, Cin]` into `[outH·outW, kH·kW·Cin]` rows (zeros for padding),
    /// whose column order matches HWIO weights viewed as `[kH·kW·Cin, Cout]`.
    public static func im2col(input: UnsafePointer<Float>, geometry g: ConvGeometry, columns: UnsafeMutablePointer<Float>) {
        im2col(input: input, geometry: g, positions: 0..<(g.outHeight * g.outWidth), columns: columns)
    }

    /// Unfolds only the output positions `positions` (flat `oy·outW + ox`) into consecutive rows of `columns`.
    public static func im2col(input: UnsafePointer<Float>, geometry g: ConvGeometry, positions: Range<Int>,
                              columns: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels
        var dst = columns
        for position in positions {
            let oy = position / g.outWidth, ox = position % g.outWidth
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

    /// Dense layer through sgemm. input `[N, In]`, weights `[In, Out]`, bias `[Out]`?, output `[N, Out]`.
    /// Large layers are split across `ThreadPool.shared` by batch rows, or by output columns for small batches.
    public static func dense(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             output: UnsafeMutablePointer<Float>, batch: Int, inFeatures: Int, outFeatures: Int,
                             activation: Activation = .linear) {
        let flops = 2.0 * Double(batch) * Double(inFeatures) * Double(outFeatures)
        if batch >= 4 * ThreadPool.shared.threadCount {
            ThreadPool.shared.parallelFor(batch, cost: flops, minimumItems: 4) { part in
                BLAS.sgemm(m: part.count, n: outFeatures, k: inFeatures, a: input + part.lowerBound * inFeatures,
                           lda: inFeatures, b: weights, ldb: outFeatures, c: output + part.lowerBound * outFeatures,
                           ldc: outFeatures)
                biasActivate(output + part.lowerBound * outFeatures, rows: part.count, columns: outFeatures,
                             bias: bias, activation: activation)
            }
        } else {
            ThreadPool.shared.parallelFor(outFeatures, cost: flops, minimumItems: 64) { part in
                BLAS.sgemm(m: batch, n: part.count, k: inFeatures, a: input, lda: inFeatures,
                           b: weights + part.lowerBound, ldb: outFeatures, c: output + part.lowerBound, ldc: outFeatures)
                for r in 0..<batch {
                    biasActivate(output + r * outFeatures + part.lowerBound, rows: 1, columns: part.count,
                                 bias: bias.map { $0 + part.lowerBound }, activation: activation)
                }
            }
        }
    }

    /// Adds a per-column bias and applies the activation to a `[rows, columns]` block, in place.
    @inline(__always)
    public static func biasActivate(_ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                    bias: UnsafePointer<Float>?, activation: Activation) {
        if bias == nil && activation == .linear { return }
        let bounds = activation.clampBounds
        let low = SIMD8<Float>(repeating: bounds.low), high = SIMD8<Float>(repeating: bounds.high)
        for r in 0..<rows {
            let row = data + r * columns
            var c = 0
            while c + 8 <= columns {
                var v = SIMD8<Float>(loading: row + c)
                if let bias { v += SIMD8<Float>(loading: bias + c) }
                v.clamped(low, high).store(to: row + c)
                c += 8
            }
            while c < columns {
                row[c] = (row[c] + (bias?[c] ?? 0)).clamped(bounds.low, bounds.high)
                c += 1
            }
        }
    }

    /// Depthwise convolution (multiplier 1). Specialised SIMD kernels for 3×3 stride 1 and 2,
    /// `Naive.depthwiseConv2d` otherwise. Shapes as in `Naive.depthwiseConv2d`.
    public static func depthwiseConv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                       geometry g: ConvGeometry, activation: Activation = .linear) {
        precondition(g.inChannels == g.outChannels, "Ops.depthwiseConv2d: channel multiplier must be 1 (\(g))")
        let stride1 = DepthwiseConv3x3Stride1.applies(g), stride2 = DepthwiseConv3x3Stride2.applies(g)
        guard stride1 || stride2 else {
            Naive.depthwiseConv2d(input: input, weights: weights, bias: bias, output: output, geometry: g, activation: activation)
            return
        }
        let flops = 2.0 * 9 * Double(g.outputCount)
        ThreadPool.shared.parallelFor(g.batch * g.outHeight, cost: flops) { rows in
            if stride1 {
                DepthwiseConv3x3Stride1.run(input: input, weights: weights, bias: bias, output: output, geometry: g,
                                            activation: activation, rows: rows)
            } else {
                DepthwiseConv3x3Stride2.run(input: input, weights: weights, bias: bias, output: output, geometry: g,
                                            activation: activation, rows: rows)
            }
        }
    }
}
