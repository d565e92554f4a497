import Tensor

/// The graph's layer kernels: each cuts its output into tasks for the shared pool and calls the Tensor
/// module's kernels (packed GEMM, depthwise) on each. Outputs may be a channel slice
/// of a wider map (`outputStride` floats per position) so that concatenations cost nothing.
enum Kernels {
    /// Work (flops) below which a layer runs on the calling thread: about 5 µs of it. Handing out tasks
    /// costs well under a microsecond (the workers spin between the layers of a forward and take tasks as
    /// they come, see `ThreadPool.forEachTask`), so only layers this small gain nothing from a second
    /// thread. Per kernel, since their speeds differ: the packed GEMM runs ~100 GFLOP/s on one core, the
    /// depthwise kernels ~30, pooling and adds ~10 (counting one flop per window element).
    static let inlineCost: Double = 5e5
    static let depthwiseInlineCost: Double = 1.5e5
    static let elementwiseInlineCost: Double = 5e4

    /// k×k convolution as a packed GEMM with the bias and activation fused (and, with `residual`, a
    /// residual add: `output = activation(conv + bias) + residual`): 1×1 stride-1 layers multiply the
    /// input directly; others unfold `Plan.chunkPositions` output positions at a time into the running
    /// thread's scratch. `tasks` (planned once per shape) cuts the 6 × 16 tiles into blocks that the
    /// pool's threads take one at a time.
    static func conv(_ layer: ConvLayer, packed: PackedWeights, geometry g: ConvGeometry, tasks: GEMMTasks,
                     input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int,
                     residual: (pointer: UnsafePointer<Float>, stride: Int)? = nil,
                     scratch: UnsafeMutablePointer<Float>, scratchPerThread: Int, pool: ThreadPool) {
        let pointwise = g.isPointwise
        let patch = g.kernelHeight * g.kernelWidth * g.inChannels
        let matrix = packed.matrix
        packed.bias.withUnsafeBufferPointer { b in
            let bias = b.baseAddress!
            pool.forEachTask(tasks.count, inlineCost: 0) { task, thread in
                let (rows, panels) = tasks.tiles(task)
                if pointwise {
                    matrix.multiply(a: input, lda: g.inChannels, rows: rows, panelRange: panels, bias: bias,
                                    activation: layer.activation, c: output, ldc: outputStride,
                                    residual: residual?.pointer, ldr: residual?.stride ?? 0)
                    return
                }
                let columns = scratch + thread * scratchPerThread
                var p = rows.lowerBound
                while p < rows.upperBound {
                    let count = min(Plan.chunkPositions, rows.upperBound - p)
                    im2col(input: input, geometry: g, firstPosition: p, count: count, columns: columns)
                    matrix.multiply(a: columns, lda: patch, rows: 0..<count, panelRange: panels, bias: bias,
                                    activation: layer.activation, c: output + p * outputStride, ldc: outputStride,
                                    residual: residual.map { $0.pointer + p * $0.stride }, ldr: residual?.stride ?? 0)
                    p += count
                }
            }
        }
    }

    /// Unfolds output positions `[first, first + count)` (over batch × outH × outW) into rows of
    /// `kH·kW·Cin` values (zeros for padding), matching HWIO weights seen as `[kH·kW·Cin, Cout]`.
    static func im2col(input: UnsafePointer<Float>, geometry g: ConvGeometry, firstPosition: Int, count: Int,
                       columns: UnsafeMutablePointer<Float>) {
        let cin = g.inChannels, perImage = g.outHeight * g.outWidth, run = g.kernelWidth * cin
        var dst = columns
        // Position counters advance without a division per position (three divisions cost more than
        // copying the 27 values of an RGB stem patch).
        var n = firstPosition / perImage, oy = (firstPosition % perImage) / g.outWidth, ox = firstPosition % g.outWidth
        for _ in 0..<count {
            let image = input + n * g.inHeight * g.inWidth * cin
            let x0 = ox * g.strideWidth - g.padLeft
            let columnsInside = x0 >= 0 && x0 + g.kernelWidth <= g.inWidth
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideHeight - g.padTop + ky
                let rowInside = iy >= 0 && iy < g.inHeight
                if rowInside && columnsInside {
                    // The kernel row's taps are one contiguous run of kW·Cin floats (9 for the RGB stem).
                    let src = image + (iy * g.inWidth + x0) * cin
                    if run < 64 {
                        var i = 0
                        while i + 8 <= run {
                            UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                                                                        as: SIMD8<Float>.self)
                            i += 8
                        }
                        while i < run { dst[i] = src[i]; i += 1 }
                    } else {
                        dst.update(from: src, count: run)
                    }
                    dst += run
                    continue
                }
                for kx in 0..<g.kernelWidth {
                    let ix = x0 + kx
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
            ox += 1
            if ox == g.outWidth {
                ox = 0; oy += 1
                if oy == g.outHeight { oy = 0; n += 1 }
            }
        }
    }

    /// Depthwise convolution in bands of output rows, a few per thread (taken one at a time). 3×3
    /// stride 1/2 layers run `PackedDepthwise3x3` (weights packed once); others `Ops.depthwiseConv2d`
    /// on a geometry cut to the input rows each band reads.
    static func depthwise(_ layer: ConvLayer, packed: PackedDepthwise3x3?, geometry g: ConvGeometry,
                          input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int, pool: ThreadPool) {
        let rows = g.batch * g.outHeight, c = g.inChannels
        let cost = 2.0 * Double(rows * g.outWidth) * Double(layer.macsPerPosition)
        // A few bands per thread so that a late thread takes fewer; never bands of less than a row.
        let bands = cost < depthwiseInlineCost ? 1 : min(rows, threads * 4)
        if let packed, packed.supports(g) {
            pool.forEachTask(bands, inlineCost: 0) { band, _ in
                packed.run(input: input, output: output, geometry: g, activation: layer.activation,
                           rows: (band * rows / bands)..<((band + 1) * rows / bands))
            }
            return
        }
        layer.weights.withUnsafeBufferPointer { w in
            layer.bias.withUnsafeBufferPointer { b in
                pool.forEachTask(bands, inlineCost: 0) { band, _ in
                    var r = band * rows / bands
                    let end = (band + 1) * rows / bands
                    while r < end {
                        let n = r / g.outHeight, y0 = r % g.outHeight
                        let y1 = Swift.min(g.outHeight, y0 + (end - r))
                        let top = y0 * g.strideHeight - g.padTop
                        let bottom = (y1 - 1) * g.strideHeight - g.padTop + g.kernelHeight
                        let i0 = Swift.max(top, 0), i1 = Swift.min(bottom, g.inHeight)
                        let cut = ConvGeometry(batch: 1, inHeight: i1 - i0, inWidth: g.inWidth, inChannels: c,
                                               outChannels: c, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                                               strideHeight: g.strideHeight, strideWidth: g.strideWidth,
                                               padding: .explicit(top: i0 - top, left: g.padLeft,
                                                                  bottom: bottom - i1, right: g.padRight))
                        Ops.depthwiseConv2d(input: input + ((n * g.inHeight + i0) * g.inWidth) * c,
                                            weights: w.baseAddress!, bias: b.baseAddress!,
                                            output: output + ((n * g.outHeight + y0) * g.outWidth) * c,
                                            geometry: cut, activation: layer.activation)
                        r += y1 - y0
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
        pool.parallelFor(rows, cost: cost, inlineCost: elementwiseInlineCost) { range in
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

    /// Height, width and channels of one image's map.
    struct MapShape: Equatable { var height: Int, width: Int, channels: Int }

    /// `output = activation(a' + b')` with `a'`, `b'` the maps zero-extended to `outShape`
    /// (top-left aligned). Only dlib's ResNet uses it, on small maps (≤ 35 × 35 × 32), so it runs on
    /// the calling thread. Per output position the channels split into at most four runs — both maps,
    /// only the wider one, neither — each added with 8-lane vectors: the plain per-channel loop over
    /// both maps (with an array of the two per position) took 30 µs on the 35 × 35 × 32 maps.
    /// Sums are `a + b` as in the definition (tested against it over shapes, `BackboneEngineTests`).
    static func addZeroExtended(_ a: UnsafePointer<Float>, _ aShape: MapShape, _ b: UnsafePointer<Float>, _ bShape: MapShape,
                                output: UnsafeMutablePointer<Float>, _ outShape: MapShape, batch: Int, activation: Activation) {
        let o = outShape
        if aShape == o && bShape == o {   // an identity shortcut (10 of the 14 blocks): one flat run
            let count = batch * o.height * o.width * o.channels
            addPosition(a, count, b, count, output, count, activation)
            return
        }
        for n in 0..<batch {
            for y in 0..<o.height {
                let aRow = y < aShape.height ? a + (n * aShape.height + y) * aShape.width * aShape.channels : nil
                let bRow = y < bShape.height ? b + (n * bShape.height + y) * bShape.width * bShape.channels : nil
                var out = output + (n * o.height + y) * o.width * o.channels
                for x in 0..<o.width {
                    let pa = x < aShape.width ? aRow.map { $0 + x * aShape.channels } : nil
                    let pb = x < bShape.width ? bRow.map { $0 + x * bShape.channels } : nil
                    addPosition(pa, pa == nil ? 0 : aShape.channels, pb, pb == nil ? 0 : bShape.channels,
                                out, o.channels, activation)
                    out += o.channels
                }
            }
        }
    }

    /// One position of `addZeroExtended`: `out[0..<count] = activation(a[c] + b[c])`, a value missing
    /// where `c ≥ aCount` (resp. `bCount`).
    @inline(__always)
    private static func addPosition(_ a: UnsafePointer<Float>?, _ aCount: Int, _ b: UnsafePointer<Float>?, _ bCount: Int,
                                    _ out: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
        @inline(__always) func act(_ v: SIMD8<Float>) -> SIMD8<Float> {
            switch activation {
            case .linear: return v
            case .relu: return v.replacing(with: 0, where: v .< 0)
            case .relu6: return v.replacing(with: 0, where: v .< 0).replacing(with: 6, where: v .> 6)
            }
        }
        @inline(__always) func act(_ v: Float) -> Float {
            switch activation {
            case .linear: return v
            case .relu: return max(v, 0)
            case .relu6: return min(max(v, 0), 6)
            }
        }
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
        }
        let both = min(aCount, bCount)
        var c = 0
        if let a, let b {
            while c + 8 <= both { store(act(load(a + c) + load(b + c)), out + c); c += 8 }
            while c < both { out[c] = act(a[c] + b[c]); c += 1 }
        }
        // Channels only the wider map has.
        if let wide = aCount > bCount ? a : b {
            let end = max(aCount, bCount)
            while c + 8 <= end { store(act(load(wide + c)), out + c); c += 8 }
            while c < end { out[c] = act(wide[c]); c += 1 }
        }
        // Channels neither has: activation(0).
        let zero = act(Float(0))
        while c < count { out[c] = zero; c += 1 }
    }

    /// `output = a + b` over `count` values.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    count: Int, threads: Int, pool: ThreadPool) {
        pool.parallelFor(threads, cost: Double(count), inlineCost: elementwiseInlineCost) { range in
            for slice in range {
                let i0 = slice * count / threads, i1 = (slice + 1) * count / threads
                for i in i0..<i1 { output[i] = a[i] + b[i] }
            }
        }
    }
}

/// How the 6 × 16 tiles of one GEMM (`rows` × `panels` of 16 columns, depth `k`) are cut into tasks
/// for the pool: blocks of `rowBlock` rows (whole 6-row strips) × `panelBlock` panels, which threads
/// take one at a time.
///
/// The cut minimises the estimated finishing time: tasks per thread (rounded up) × a task's time —
/// its tile steps (`k` each, 12 FMAs) plus the floats it fetches (A rows, unfolded first for k×k
/// layers; B panels) plus a fixed cost per task — with at least two tasks per thread where that
/// costs under 5 %, so that a thread that starts late is covered. Why not always rows: where B is
/// larger than A (MobileNet's 8×8 and 4×4 layers: 64 or 16 positions against 0.25–1 M weights), a task
/// of a few panels reads only its share of the weights; and whole strips keep a 64-row layer from
/// being cut into halves of 32 rows that each end in a 2-row tile.
struct GEMMTasks {
    let rows: Int, panels: Int
    let rowBlock: Int, panelBlock: Int
    let rowTasks: Int, panelTasks: Int
    static let stripRows = 6

    var count: Int { rowTasks * panelTasks }

    init(rows: Int, panels: Int, k: Int, unfolds: Bool, threads: Int, flops: Double, inlineCost: Double) {
        self.rows = rows; self.panels = panels
        let strips = (rows + GEMMTasks.stripRows - 1) / GEMMTasks.stripRows
        guard threads > 1, flops >= inlineCost, strips * panels > 1 else {
            rowBlock = max(rows, 1); panelBlock = max(panels, 1); rowTasks = 1; panelTasks = 1
            return
        }
        typealias Choice = (time: Double, tasks: Int, strips: Int, panels: Int)
        var best: Choice = (.infinity, 1, strips, panels), robust: Choice = (.infinity, 1, strips, panels)
        let most = 8 * threads
        for r in 1...min(strips, most) {
            let s = (strips + r - 1) / r
            let rowTasks = (strips + s - 1) / s
            if rowTasks != r { continue }  // the same blocks as a smaller r
            for q in 1...min(panels, most / r) {
                let p = (panels + q - 1) / q
                let panelTasks = (panels + p - 1) / p
                if panelTasks != q { continue }
                let tasks = rowTasks * panelTasks
                // In units of tile steps (12 FMAs ≈ the time to fetch ~24 floats).
                let fetch = Double(s * GEMMTasks.stripRows * k) * (unfolds ? 2 : 1) + Double(p * 16 * k)
                let task = Double(s * p * k) + fetch / 24 + 150
                let time = Double((tasks + threads - 1) / threads) * task
                if time < best.time { best = (time, tasks, s, p) }
                if tasks >= 2 * threads && time < robust.time { robust = (time, tasks, s, p) }
            }
        }
        let chosen = robust.time <= best.time * 1.05 ? robust : best
        rowBlock = chosen.strips * GEMMTasks.stripRows; panelBlock = chosen.panels
        rowTasks = (rows + rowBlock - 1) / rowBlock; panelTasks = (panels + panelBlock - 1) / panelBlock
    }

    /// Rows and panels of task `task` (`0 ..< count`); consecutive tasks share their rows.
    func tiles(_ task: Int) -> (rows: Range<Int>, panels: Range<Int>) {
        let r = task / panelTasks, p = task % panelTasks
        return ((r * rowBlock)..<Swift.min(rows, (r + 1) * rowBlock),
                (p * panelBlock)..<Swift.min(panels, (p + 1) * panelBlock))
    }
}

extension ConvGeometry {
    /// A 1×1 stride-1 unpadded convolution: a plain GEMM on the input map.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }
}
