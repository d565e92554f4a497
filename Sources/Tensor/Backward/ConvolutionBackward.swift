/// Backward passes of convolution, depthwise convolution and dense layers.
///
/// Conventions for every `…Backward` in this module (as llm.c): gradients are **accumulated** (`+=`) into
/// `dInput`, `dWeights`, `dBias`, so the caller zeroes them once per step and branches that reuse an
/// input simply add up. `dOutput` is the gradient with respect to the op's output *before* any fused
/// activation: run `activationBackward` first. A nil `dInput` skips that gradient (first layer).
extension Ops {
    // Forward: `Ops.conv2d`. output[n, oy, ox, co] = b[co] + Σ_{ky,kx,ci} x[n, oy·s+ky−pt, ox·s+kx−pl, ci] · w[ky, kx, ci, co]
    //
    // 1×1: with X `[P, Cin]` (P = N·H·W) and dY `[P, Cout]`:  dW += Xᵀ·dY,  dX += dY·Wᵀ.
    // k×k: per image with the im2col matrix C `[outH·outW, kH·kW·Cin]`:  dW += Cᵀ·dY,  dC = dY·Wᵀ, then col2im adds
    //      each row of dC back onto the input pixels it was copied from.

    /// Floats of scratch `conv2dBackward` needs (one image's column matrix; 0 for 1×1 stride-1 unpadded).
    public static func conv2dBackwardScratchCount(_ g: ConvGeometry) -> Int { conv2dScratchCount(g) }

    /// Convolution backward.
    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, Cout]`, dOutput `[N, outH, outW, Cout]`,
    /// dInput `[N, H, W, Cin]`?, dWeights `[kH, kW, Cin, Cout]`, dBias `[Cout]`?,
    /// scratch at least `conv2dBackwardScratchCount(geometry)` floats.
    public static func conv2dBackward(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                      dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                                      dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                      geometry g: ConvGeometry, scratch: UnsafeMutablePointer<Float>?) {
        let cin = g.inChannels, cout = g.outChannels
        if let dBias { sumRows(dOutput, rows: g.batch * g.outHeight * g.outWidth, columns: cout, into: dBias) }
        let pool = ThreadPool.shared
        if isPointwise(g) {
            let rows = g.batch * g.inHeight * g.inWidth
            let flops = 2.0 * Double(rows * cin * cout)
            // dW `[Cin, Cout]` += Xᵀ `[Cin, P]` · dY `[P, Cout]`, split by output channels (disjoint columns).
            pool.parallelFor(cout, cost: flops, minimumItems: 16) { part in
                BLAS.sgemm(transposeA: true, m: cin, n: part.count, k: rows, a: input, lda: cin,
                           b: dOutput + part.lowerBound, ldb: cout, beta: 1, c: dWeights + part.lowerBound, ldc: cout)
            }
            // dX `[P, Cin]` += dY `[P, Cout]` · Wᵀ `[Cout, Cin]`, split by positions.
            if let dInput {
                pool.parallelFor(rows, cost: flops, minimumItems: 16) { part in
                    BLAS.sgemm(transposeB: true, m: part.count, n: cin, k: cout, a: dOutput + part.lowerBound * cout,
                               lda: cout, b: weights, ldb: cout, beta: 1, c: dInput + part.lowerBound * cin, ldc: cin)
                }
            }
            return
        }
        guard let scratch else { preconditionFailure("Ops.conv2dBackward: \(g) needs a scratch buffer") }
        let patch = g.kernelHeight * g.kernelWidth * cin
        let positions = g.outHeight * g.outWidth
        let flops = 2.0 * Double(positions * patch * cout)
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * g.inWidth * cin
            let dY = dOutput + n * positions * cout
            // columns `[positions, patch]`
            pool.parallelFor(positions, cost: flops / 4, minimumItems: 16) { part in
                im2col(input: image, geometry: g, positions: part, columns: scratch + part.lowerBound * patch)
            }
            // dW `[patch, Cout]` += columnsᵀ · dY
            pool.parallelFor(cout, cost: flops, minimumItems: 16) { part in
                BLAS.sgemm(transposeA: true, m: patch, n: part.count, k: positions, a: scratch, lda: patch,
                           b: dY + part.lowerBound, ldb: cout, beta: 1, c: dWeights + part.lowerBound, ldc: cout)
            }
            guard let dInput else { continue }
            // dColumns `[positions, patch]` = dY `[positions, Cout]` · Wᵀ `[Cout, patch]` (reuses the scratch)
            pool.parallelFor(positions, cost: flops, minimumItems: 16) { part in
                BLAS.sgemm(transposeB: true, m: part.count, n: patch, k: cout, a: dY + part.lowerBound * cout, lda: cout,
                           b: weights, ldb: cout, c: scratch + part.lowerBound * patch, ldc: patch)
            }
            col2im(columns: scratch, geometry: g, dInput: dInput + n * g.inHeight * g.inWidth * cin)
        }
    }

    /// Adjoint of `im2col`: adds every row of `columns` `[outH·outW, kH·kW·Cin]` onto the pixels of one image
    /// `[H, W, Cin]` it was copied from (padding entries are dropped).
    public static func col2im(columns: UnsafePointer<Float>, geometry g: ConvGeometry, dInput: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels
        var src = columns
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ky in 0..<g.kernelHeight {
                    let iy = oy * g.strideHeight - g.padTop + ky
                    for kx in 0..<g.kernelWidth {
                        let ix = ox * g.strideWidth - g.padLeft + kx
                        if iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth {
                            addInPlace(dInput + (iy * g.inWidth + ix) * cin, src, count: cin)
                        }
                        src += cin
                    }
                }
            }
        }
    }

    // Forward: `Ops.depthwiseConv2d`. output[n, oy, ox, c] = b[c] + Σ_{ky,kx} x[n, oy·s+ky−pt, ox·s+kx−pl, c] · w[ky, kx, c]
    //   dW[ky, kx, c] += Σ_{n,oy,ox} dY[n, oy, ox, c] · x[n, iy, ix, c]
    //   dX[n, iy, ix, c] += Σ dY[n, oy, ox, c] · w[ky, kx, c]   over the outputs whose window covers (iy, ix)

    /// Depthwise convolution backward (channel multiplier 1).
    /// input `[N, H, W, C]`, weights `[kH, kW, C]`, dOutput `[N, outH, outW, C]`, dInput `[N, H, W, C]`?,
    /// dWeights `[kH, kW, C]`, dBias `[C]`?. Split across the pool by channel ranges (all three gradients
    /// are per channel, so the parts never write the same place).
    public static func depthwiseConv2dBackward(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                               dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                                               dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                               geometry g: ConvGeometry) {
        precondition(g.inChannels == g.outChannels, "Ops.depthwiseConv2dBackward: channel multiplier must be 1")
        let c = g.inChannels
        if let dBias { sumRows(dOutput, rows: g.batch * g.outHeight * g.outWidth, columns: c, into: dBias) }
        let flops = 4.0 * Double(g.outputCount * g.kernelHeight * g.kernelWidth)
        ThreadPool.shared.parallelFor(c, cost: flops, minimumItems: 8) { channels in
            let lo = channels.lowerBound, width = channels.count
            for n in 0..<g.batch {
                for oy in 0..<g.outHeight {
                    for ox in 0..<g.outWidth {
                        let dY = dOutput + ((n * g.outHeight + oy) * g.outWidth + ox) * c + lo
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight - g.padTop + ky
                            if iy < 0 || iy >= g.inHeight { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideWidth - g.padLeft + kx
                                if ix < 0 || ix >= g.inWidth { continue }
                                let pixel = ((n * g.inHeight + iy) * g.inWidth + ix) * c + lo
                                let tap = (ky * g.kernelWidth + kx) * c + lo
                                let x = input + pixel, dW = dWeights + tap, w = weights + tap
                                for i in 0..<width { dW[i] += dY[i] * x[i] }
                                if let dInput {
                                    let dX = dInput + pixel
                                    for i in 0..<width { dX[i] += dY[i] * w[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // Forward: `Ops.dense`. Y `[N, Out]` = X `[N, In]` · W `[In, Out]` + b
    //   dW += Xᵀ·dY,  dX += dY·Wᵀ,  db += Σ_n dY

    /// Dense backward. input `[N, In]`, weights `[In, Out]`, dOutput `[N, Out]`, dInput `[N, In]`?,
    /// dWeights `[In, Out]`, dBias `[Out]`?.
    public static func denseBackward(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                     dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                                     dWeights: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                                     batch: Int, inFeatures: Int, outFeatures: Int) {
        if let dBias { sumRows(dOutput, rows: batch, columns: outFeatures, into: dBias) }
        let flops = 2.0 * Double(batch * inFeatures * outFeatures)
        ThreadPool.shared.parallelFor(outFeatures, cost: flops, minimumItems: 16) { part in
            BLAS.sgemm(transposeA: true, m: inFeatures, n: part.count, k: batch, a: input, lda: inFeatures,
                       b: dOutput + part.lowerBound, ldb: outFeatures, beta: 1, c: dWeights + part.lowerBound,
                       ldc: outFeatures)
        }
        if let dInput {
            ThreadPool.shared.parallelFor(inFeatures, cost: flops, minimumItems: 16) { part in
                // dX[:, part] += dY · W[part, :]ᵀ
                BLAS.sgemm(transposeB: true, m: batch, n: part.count, k: outFeatures, a: dOutput, lda: outFeatures,
                           b: weights + part.lowerBound * outFeatures, ldb: outFeatures, beta: 1,
                           c: dInput + part.lowerBound, ldc: inFeatures)
            }
        }
    }

    /// `into[c] += Σ_r data[r, c]` for a `[rows, columns]` block (bias gradients).
    static func sumRows(_ data: UnsafePointer<Float>, rows: Int, columns: Int, into: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { addInPlace(into, data + r * columns, count: columns) }
    }

    /// `target[i] += source[i]`.
    @inline(__always)
    static func addInPlace(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            (SIMD8<Float>(loading: target + i) + SIMD8<Float>(loading: source + i)).store(to: target + i)
            i += 8
        }
        while i < count { target[i] += source[i]; i += 1 }
    }
}
