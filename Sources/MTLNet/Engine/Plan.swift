import Foundation
import Tensor

/// Buffers and geometry of an `InferenceGraph` for one input shape. Built once per shape; `run`
/// allocates nothing.
final class Plan {
    let batch: Int, height: Int, width: Int, threads: Int
    /// Spatial size per value.
    let size: [(h: Int, w: Int)]
    /// Per value: the value owning its storage (itself unless it is a concatenation input), the channel
    /// offset in it, and the owner's channel count (the row stride).
    let root: [Int], channelOffset: [Int], rowStride: [Int]
    /// Per root value: float offset into `arena` (-1 for the input, which the caller provides).
    let arenaOffset: [Int]
    let arena: UnsafeMutablePointer<Float>
    let arenaCount: Int
    /// Per-thread im2col scratch for k×k convolutions: `threads × scratchPerThread` floats.
    let scratch: UnsafeMutablePointer<Float>
    let scratchPerThread: Int
    /// Per node: how a convolution's GEMM is cut into tasks (nil for other nodes).
    let gemmTasks: [GEMMTasks?]
    /// Per node: the convolution's `FastConvolution` when it runs one (nil: GEMM, or not a convolution).
    let fast: [FastConvolution?]
    /// Zero-bordered input copy of padded Winograd layers (`FastConvolution.paddedInputCount`).
    let padded: UnsafeMutablePointer<Float>
    /// Positions per im2col chunk (bounds the scratch and keeps it in cache).
    static let chunkPositions = 96

    init(graph: InferenceGraph, batch: Int, height: Int, width: Int, threads: Int) throws {
        self.batch = batch; self.height = height; self.width = width; self.threads = threads
        let size = try graph.spatialSizes(height: height, width: width)
        self.size = size
        let n = graph.channels.count
        var root = Array(0..<n), offset = [Int](repeating: 0, count: n)
        // Resolve nested concatenations (an inner concat is itself a slice of an outer one).
        for v in 0..<n {
            var r = v, o = 0
            while let p = graph.concatParent[r] { o += p.offset; r = p.parent }
            root[v] = r; offset[v] = o
        }
        self.root = root; self.channelOffset = offset
        self.rowStride = root.map { graph.channels[$0] }

        // Live range of each root: from the first node writing any slice of it to the last node reading it.
        var first = [Int](repeating: Int.max, count: n), last = [Int](repeating: -1, count: n)
        for (i, node) in graph.nodes.enumerated() {
            let r = root[node.output]
            first[r] = min(first[r], i)
            if case .concat = node { continue }
            for v in node.inputs { last[root[v]] = max(last[root[v]], i) }
        }
        last[root[graph.output]] = graph.nodes.count
        // A fused residual add is written when its convolution runs: its output is live from there (so it
        // never shares storage with the convolution's input).
        for (i, f) in graph.fusedAdd { first[root[f.output]] = min(first[root[f.output]], i) }
        // Greedy slot reuse in order of first write.
        var slotCapacity = [Int](), slotFreeAfter = [Int]()
        var slotOf = [Int](repeating: -1, count: n)
        let roots = (1..<n).filter { root[$0] == $0 && first[$0] != Int.max }.sorted { first[$0] < first[$1] }
        for r in roots {
            let need = (batch * size[r].h * size[r].w * graph.channels[r] + 15) / 16 * 16
            let free = slotCapacity.indices.filter { slotFreeAfter[$0] < first[r] }
            let fitting = free.filter { slotCapacity[$0] >= need }
            let slot: Int
            if let best = fitting.min(by: { slotCapacity[$0] < slotCapacity[$1] }) {
                slot = best
            } else if let biggest = free.max(by: { slotCapacity[$0] < slotCapacity[$1] }) {
                slot = biggest; slotCapacity[slot] = need
            } else {
                slotCapacity.append(need); slotFreeAfter.append(-1); slot = slotCapacity.count - 1
            }
            slotFreeAfter[slot] = max(last[r], first[r])
            slotOf[r] = slot
        }
        var slotStart = [Int](), total = 0
        for c in slotCapacity { slotStart.append(total); total += c }
        self.arenaOffset = slotOf.map { $0 < 0 ? -1 : slotStart[$0] }
        self.arenaCount = max(total, 16)
        arena = .allocate(capacity: arenaCount)
        arena.initialize(repeating: 0, count: arenaCount)

        var perThread = 0
        for node in graph.nodes {
            if case let .conv(l, _, _) = node, graph.specs[l].kind == .conv {
                let L = graph.specs[l]
                if !(L.kernelHeight == 1 && L.kernelWidth == 1 && L.strideHeight == 1 && L.padding == .valid) {
                    perThread = max(perThread, Plan.chunkPositions * L.kernelHeight * L.kernelWidth * L.inChannels)
                }
            }
        }
        // Fast kernels only where the GEMM's extras are not needed: a fused residual add, an output
        // that is a slice of a concatenation.
        fast = graph.nodes.enumerated().map { index, node in
            guard case let .conv(l, i, o) = node, graph.fusedAdd[index] == nil, root[o] == o else { return nil }
            return graph.fastConvolution(layer: l, geometry: graph.specs[l].geometry(batch: batch, height: size[i].h, width: size[i].w))
        }
        var paddedCount = 16
        for (index, node) in graph.nodes.enumerated() {
            guard let f = fast[index], case let .conv(l, i, _) = node else { continue }
            let g = graph.specs[l].geometry(batch: batch, height: size[i].h, width: size[i].w)
            perThread = max(perThread, f.scratchCount(inChannels: g.inChannels))
            paddedCount = max(paddedCount, FastConvolution.paddedInputCount(f.kind, g))
        }
        let strides = rowStride
        for case let .addExtended(a, b, o, _) in graph.nodes {
            precondition([a, b, o].allSatisfy { strides[$0] == graph.channels[$0] },
                         "InferenceGraph: a zero-extended add reads and writes whole maps")
        }
        padded = .allocate(capacity: paddedCount)
        padded.initialize(repeating: 0, count: paddedCount)
        scratchPerThread = max(perThread, 16)
        // Task cuts of every convolution at this shape and thread count.
        gemmTasks = graph.nodes.map { node in
            guard case let .conv(l, i, _) = node, graph.specs[l].kind == .conv else { return nil }
            let L = graph.specs[l]
            let g = L.geometry(batch: batch, height: size[i].h, width: size[i].w)
            let positions = g.batch * g.outHeight * g.outWidth
            return GEMMTasks(rows: positions, panels: graph.packed[l]!.matrix.panelCount,
                             k: L.kernelHeight * L.kernelWidth * L.inChannels, unfolds: !g.isPointwise, threads: threads,
                             flops: 2 * Double(positions * L.macsPerPosition), inlineCost: Kernels.inlineCost)
        }
        scratch = .allocate(capacity: scratchPerThread * threads)
        scratch.initialize(repeating: 0, count: scratchPerThread * threads)
    }

    deinit {
        arena.deallocate()
        scratch.deallocate()
        padded.deallocate()
    }

    @inline(__always)
    func pointer(_ v: Int, input: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let r = root[v]
        let base = r == 0 ? UnsafeMutablePointer(mutating: input) : arena + arenaOffset[r]
        return base + channelOffset[v]
    }

    func run(graph: InferenceGraph, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             taps: [Int: UnsafeMutablePointer<Float>], seconds: inout [Double]?) {
        let pool = ThreadPool.shared
        // One thread: its CPU clock (robust when the machine is shared); several: wall time, since the
        // caller yields while it waits for the workers.
        let clock: () -> UInt64 = threads == 1 ? Plan.threadNanoseconds : { DispatchTime.now().uptimeNanoseconds }
        var start = seconds == nil ? 0 : clock()
        var doneAdd = -1
        for (index, node) in graph.nodes.enumerated() {
            switch node {
            case let .conv(l, i, o):
                let layer = graph.specs[l]
                let g = layer.geometry(batch: batch, height: size[i].h, width: size[i].w)
                precondition(rowStride[i] == graph.channels[i], "InferenceGraph: a convolution input must be a whole map")
                if let f = fast[index] {
                    f.run(geometry: g, input: pointer(i, input: input), output: pointer(o, input: input), padded: padded,
                          scratch: scratch, scratchPerThread: scratchPerThread, threads: threads, pool: pool)
                } else if layer.kind == .conv {
                    var out = o
                    var residual: (pointer: UnsafePointer<Float>, stride: Int)?
                    if let f = graph.fusedAdd[index], taps[o] == nil {
                        out = f.output
                        residual = (UnsafePointer(pointer(f.residual, input: input)), rowStride[f.residual])
                        doneAdd = f.add
                    }
                    Kernels.conv(layer, packed: graph.packed[l]!, geometry: g, tasks: gemmTasks[index]!, input: pointer(i, input: input),
                                 output: pointer(out, input: input), outputStride: rowStride[out], residual: residual,
                                 scratch: scratch, scratchPerThread: scratchPerThread, pool: pool)
                } else {
                    Kernels.depthwise(layer, packed: graph.depthwisePacked[l], geometry: g, input: pointer(i, input: input),
                                      output: pointer(o, input: input), threads: threads, pool: pool)
                }
            case let .pool(isMax, k, s, p, i, o):
                let g = ConvGeometry(batch: batch, inHeight: size[i].h, inWidth: size[i].w, inChannels: graph.channels[i],
                                     outChannels: graph.channels[i], kernelHeight: k, kernelWidth: k,
                                     strideHeight: s, strideWidth: s, padding: p)
                Kernels.pool(max: isMax, geometry: g, input: pointer(i, input: input), output: pointer(o, input: input),
                             outputStride: rowStride[o], threads: threads, pool: pool)
            case let .add(a, b, o):
                if index == doneAdd { break }
                let count = batch * size[o].h * size[o].w * graph.channels[o]
                Kernels.add(pointer(a, input: input), pointer(b, input: input), output: pointer(o, input: input),
                            count: count, threads: threads, pool: pool)
            case let .addExtended(a, b, o, activation):
                func map(_ v: Int) -> Kernels.MapShape { Kernels.MapShape(height: size[v].h, width: size[v].w, channels: graph.channels[v]) }
                Kernels.addZeroExtended(pointer(a, input: input), map(a), pointer(b, input: input), map(b),
                                        output: pointer(o, input: input), map(o), batch: batch, activation: activation)
            case .concat:
                break
            case let .globalAvgPool(i, o):
                Naive.globalAvgPool(input: pointer(i, input: input), output: pointer(o, input: input), batch: batch,
                                    height: size[i].h, width: size[i].w, channels: graph.channels[i])
            }
            if let tap = taps[node.output] { copyOut(node.output, graph: graph, input: input, to: tap) }
            if seconds != nil {
                let now = clock()
                seconds![index] = Swift.min(seconds![index], Double(now - start) / 1e9)
                start = now
            }
        }
        copyOut(graph.output, graph: graph, input: input, to: output)
    }

    /// CPU time of the calling thread: unlike wall time it does not count the time the thread was
    /// descheduled, so per-layer profiles stay readable on a shared machine.
    static func threadNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Copies a (possibly sliced) value into a contiguous buffer.
    private func copyOut(_ v: Int, graph: InferenceGraph, input: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>) {
        let c = graph.channels[v], positions = batch * size[v].h * size[v].w
        let src = pointer(v, input: input)
        if rowStride[v] == c {
            dst.update(from: src, count: positions * c)
        } else {
            for p in 0..<positions { (dst + p * c).update(from: src + p * rowStride[v], count: c) }
        }
    }
}
