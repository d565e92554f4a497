import Tensor

/// The graph's layer kernels: each splits its output into `threads` slices on the shared pool and
/// calls the Tensor module's kernels (sgemm, depthwise) on each slice. Outputs may be a channel slice
/// of a wider map (`outputStride` floats per position) so that concatenations cost nothing.
enum Kernels {
    /// Work (flops) below which a layer runs on the calling thread. Lower than the pool's default:
    /// layers follow each other closely, so the pool's workers are still spinning (awake) when the
    /// next layer starts, and splitting pays from a few tens of microseconds of work.
    static let inlineCost: Double = 2e6

    /// k×k convolution as a packed GEMM with the bias and activation fused: 1×1 stride-1 layers
    /// multiply the input directly; others unfold `Plan.chunkPositions` output positions at a time into
    /// the calling thread's scratch. Few positions (the last, 4×4 layers): threads split the output
    /// channels instead, so that each reads only its share of the weights.
    static func conv(_ layer: ConvLayer, packed: (matrix: PackedMatrix, bias: [Float]), geometry g: ConvGeometry,
                     input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int,
                     scratch: UnsafeMutablePointer<Float>, scratchPerThread: Int, threads: Int, pool: ThreadPool) {
        let positions = g.batch * g.outHeight * g.outWidth
        let cin = g.inChannels
        let cost = 2.0 * Double(positions) * Double(layer.macsPerPosition)
        let pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        let patch = g.kernelHeight * g.kernelWidth * cin
        let matrix = packed.matrix
        packed.bias.withUnsafeBufferPointer { b in
            let bias = b.baseAddress!
            if pointwise && positions < 24 * threads && matrix.panelCount >= threads {
                let slices = threads
                pool.parallelFor(slices, cost: cost, inlineCost: inlineCost) { range in
                    for slice in range {
                        let p0 = slice * matrix.panelCount / slices, p1 = (slice + 1) * matrix.panelCount / slices
                        matrix.multiply(a: input, lda: cin, rows: 0..<positions, panelRange: p0..<p1, bias: bias,
                                        activation: layer.activation, c: output, ldc: outputStride)
                    }
                }
                return
            }
            let slices = min(threads, max(1, positions / 24))
            pool.parallelFor(slices, cost: cost, inlineCost: inlineCost) { range in
                for slice in range {
                    let p0 = slice * positions / slices, p1 = (slice + 1) * positions / slices
                    if pointwise {
                        matrix.multiply(a: input, lda: cin, rows: p0..<p1, bias: bias, activation: layer.activation,
                                        c: output, ldc: outputStride)
                        continue
                    }
                    let columns = scratch + slice * scratchPerThread
                    var p = p0
                    while p < p1 {
                        let rows = min(Plan.chunkPositions, p1 - p)
                        im2col(input: input, geometry: g, firstPosition: p, count: rows, columns: columns)
                        matrix.multiply(a: columns, lda: patch, rows: 0..<rows, bias: bias, activation: layer.activation,
                                        c: output + p * outputStride, ldc: outputStride)
                        p += rows
                    }
                }
            }
        }
    }

    /// Unfolds output positions `[first, first + count)` (over batch × outH × outW) into rows of
    /// `kH·kW·Cin` values (zeros for padding), matching HWIO weights seen as `[kH·kW·Cin, Cout]`.
    static func im2col(input: UnsafePointer<Float>, geometry g: ConvGeometry, firstPosition: Int, count: Int,
                       columns: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels, perImage = g.outHeight * g.outWidth
        var dst = columns
        for p in firstPosition..<(firstPosition + count) {
            let n = p / perImage, oy = (p % perImage) / g.outWidth, ox = p % g.outWidth
            let image = input + n * g.inHeight * g.inWidth * cin
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideHeight - g.padTop + ky
                let rowInside = iy >= 0 && iy < g.inHeight
                for kx in 0..<g.kernelWidth {
                    let ix = ox * g.strideWidth - g.padLeft + kx
                    if rowInside && ix >= 0 && ix < g.inWidth {
                        let src = image + (iy * g.inWidth + ix) * cin
                        // A few channels (the RGB input): a loop beats a memcpy call per pixel.
                        if cin < 8 { for ch in 0..<cin { dst[ch] = src[ch] } } else { dst.update(from: src, count: cin) }
                    } else {
                        if cin < 8 { for ch in 0..<cin { dst[ch] = 0 } } else { dst.update(repeating: 0, count: cin) }
                    }
                    dst += cin
                }
            }
        }
    }

    /// Depthwise convolution split into bands of output rows; each band is one call of
    /// `Ops.depthwiseConv2d` on a geometry cut to the input rows it reads.
    static func depthwise(_ layer: ConvLayer, geometry g: ConvGeometry, input: UnsafePointer<Float>,
                          output: UnsafeMutablePointer<Float>, threads: Int, pool: ThreadPool) {
        let rows = g.batch * g.outHeight, c = g.inChannels
        let cost = 2.0 * Double(rows * g.outWidth) * Double(layer.macsPerPosition)
        layer.weights.withUnsafeBufferPointer { w in
            layer.bias.withUnsafeBufferPointer { b in
                let slices = min(threads, rows)
                pool.parallelFor(slices, cost: cost, inlineCost: inlineCost) { range in
                    for slice in range {
                        var r = slice * rows / slices
                        let end = (slice + 1) * rows / slices
                        while r < end {
                            let n = r / g.outHeight, y0 = r % g.outHeight
                            let y1 = Swift.min(g.outHeight, y0 + (end - r))
                            let top = y0 * g.strideHeight - g.padTop
                            let bottom = (y1 - 1) * g.strideHeight - g.padTop + g.kernelHeight
                            let i0 = Swift.max(top, 0), i1 = Swift.min(bottom, g.inHeight)
                            let band = ConvGeometry(batch: 1, inHeight: i1 - i0, inWidth: g.inWidth, inChannels: c,
                                                    outChannels: c, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                                                    strideHeight: g.strideHeight, strideWidth: g.strideWidth,
                                                    padding: .explicit(top: i0 - top, left: g.padLeft,
                                                                       bottom: bottom - i1, right: g.padRight))
                            Ops.depthwiseConv2d(input: input + ((n * g.inHeight + i0) * g.inWidth) * c,
                                                weights: w.baseAddress!, bias: b.baseAddress!,
                                                output: output + ((n * g.outHeight + y0) * g.outWidth) * c,
                                                geometry: band, activation: layer.activation)
                            r += y1 - y0
                        }
                    }
                }
            }
        }
    }

    /// Max or average pooling (average over the positions inside the input), split over output rows.
    static func pool(max isMax: Bool, geometry g: ConvGeometry, input: UnsafePointer<Float>,
                     output: UnsafeMutablePointer<Float>, outputStride: Int, threads: Int, pool: ThreadPool) {
        let rows = g.batch * g.outHeight, c = g.inChannels
        let cost = Double(rows * g.outWidth * g.kernelHeight * g.kernelWidth * c)
        pool.parallelFor(rows, cost: cost, inlineCost: inlineCost) { range in
            for r in range {
                let n = r / g.outHeight, oy = r % g.outHeight
                let y0 = Swift.max(oy * g.strideHeight - g.padTop, 0)
                let y1 = Swift.min(oy * g.strideHeight - g.padTop + g.kernelHeight, g.inHeight)
                for ox in 0..<g.outWidth {
                    let x0 = Swift.max(ox * g.strideWidth - g.padLeft, 0)
                    let x1 = Swift.min(ox * g.strideWidth - g.padLeft + g.kernelWidth, g.inWidth)
                    let o = output + ((n * g.outHeight + oy) * g.outWidth + ox) * outputStride
                    o.update(repeating: isMax ? -.infinity : 0, count: c)
                    for iy in y0..<y1 {
                        for ix in x0..<x1 {
                            let x = input + ((n * g.inHeight + iy) * g.inWidth + ix) * c
                            if isMax {
                                for ch in 0..<c { o[ch] = Swift.max(o[ch], x[ch]) }
                            } else {
                                for ch in 0..<c { o[ch] += x[ch] }
                            }
                        }
                    }
                    if !isMax {
                        let scale = 1 / Float((y1 - y0) * (x1 - x0))
                        for ch in 0..<c { o[ch] *= scale }
                    }
                }
            }
        }
    }

    /// `output = a + b` over `count` values.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    count: Int, threads: Int, pool: ThreadPool) {
        pool.parallelFor(threads, cost: Double(count) * 4, inlineCost: inlineCost) { range in
            for slice in range {
                let i0 = slice * count / threads, i1 = (slice + 1) * count / threads
                for i in i0..<i1 { output[i] = a[i] + b[i] }
            }
        }
    }
}
