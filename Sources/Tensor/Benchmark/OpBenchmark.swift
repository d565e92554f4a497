import Foundation
import Synchronization

/// One measured kernel at one layer shape.
public struct OpBenchmarkRow: Sendable {
    /// e.g. "depthwise 3×3 s1", "pointwise (sgemm)".
    public var op: String
    /// Input shape and output channels, e.g. "64×64×32 → 64".
    public var shape: String
    /// Floating-point operations of one call (2 per multiply-add).
    public var flops: Double
    /// Naive kernel throughput (nil when the naive kernel was not run).
    public var naiveGFLOPS: Double?
    public var fastGFLOPS: Double
    /// Best time of one fast call, milliseconds.
    public var fastMilliseconds: Double
}

/// Per-op benchmark at the real layer shapes of MobileNet v1 (and MobileNetV2 depthwise) for a
/// 128×128×3 input, batch 1: naive vs fast 3×3 depthwise (stride 1 and 2) and pointwise convolution.
public enum OpBenchmark {
    /// Depthwise layers of MobileNet v1 (α = 1) at 128×128: (height, width, channels, stride).
    public static let mobileNetV1Depthwise: [(Int, Int, Int, Int)] = [
        (64, 64, 32, 1), (64, 64, 64, 2), (32, 32, 128, 1), (32, 32, 128, 2), (16, 16, 256, 1),
        (16, 16, 256, 2), (8, 8, 512, 1), (8, 8, 512, 2), (4, 4, 1024, 1),
    ]
    /// Pointwise layers of MobileNet v1 at 128×128: (height, width, in channels, out channels).
    public static let mobileNetV1Pointwise: [(Int, Int, Int, Int)] = [
        (64, 64, 32, 64), (32, 32, 64, 128), (32, 32, 128, 128), (16, 16, 128, 256), (16, 16, 256, 256),
        (8, 8, 256, 512), (8, 8, 512, 512), (4, 4, 512, 1024), (4, 4, 1024, 1024),
    ]
    /// Depthwise layers of MobileNetV2 (α = 1) at 128×128 that v1 does not already cover.
    public static let mobileNetV2Depthwise: [(Int, Int, Int, Int)] = [
        (64, 64, 96, 2), (32, 32, 144, 1), (32, 32, 144, 2), (16, 16, 192, 1), (16, 16, 192, 2),
        (8, 8, 384, 1), (8, 8, 576, 1), (8, 8, 576, 2), (4, 4, 960, 1),
    ]

    /// Runs every shape. `threads` sets `ThreadPool.shared.threadCount` for the run (1 = single core)
    /// and restores it afterwards. Each kernel is timed for at least `seconds`; the best call counts.
    public static func run(includeV2: Bool = true, includeNaive: Bool = true, threads: Int = 1,
                           seconds: Double = 0.05) -> [OpBenchmarkRow] {
        let saved = ThreadPool.shared.threadCount
        ThreadPool.shared.threadCount = threads
        defer { ThreadPool.shared.threadCount = saved }
        var rng = SeededRandom(seed: 42)
        var rows: [OpBenchmarkRow] = []
        let depthwise = mobileNetV1Depthwise.map { ($0, "v1") } + (includeV2 ? mobileNetV2Depthwise.map { ($0, "v2") } : [])
        for ((h, w, c, s), net) in depthwise {
            let g = ConvGeometry(batch: 1, inHeight: h, inWidth: w, inChannels: c, outChannels: c,
                                 kernelHeight: 3, kernelWidth: 3, strideHeight: s, strideWidth: s, padding: .same)
            let x = Tensor(randomUniform: g.inputShape, using: &rng)
            let k = Tensor(randomUniform: [3, 3, c], using: &rng), b = Tensor(randomUniform: [c], using: &rng)
            var y = Tensor(zeros: g.outputShape)
            rows.append(measure(op: "depthwise 3×3 s\(s) (\(net))", shape: "\(h)×\(w)×\(c) → \(c)",
                                flops: 2.0 * 9 * Double(g.outputCount), output: &y, includeNaive: includeNaive,
                                seconds: seconds, fast: { o in
                Ops.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g,
                                    activation: .relu)
            }, naive: { o in
                Naive.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g,
                                      activation: .relu)
            }))
        }
        for (h, w, cin, cout) in mobileNetV1Pointwise {
            let g = ConvGeometry(batch: 1, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout,
                                 kernelHeight: 1, kernelWidth: 1)
            let x = Tensor(randomUniform: g.inputShape, using: &rng)
            let k = Tensor(randomUniform: [1, 1, cin, cout], using: &rng), b = Tensor(randomUniform: [cout], using: &rng)
            var y = Tensor(zeros: g.outputShape)
            rows.append(measure(op: "pointwise 1×1 (sgemm)", shape: "\(h)×\(w)×\(cin) → \(cout)",
                                flops: 2.0 * Double(h * w * cin * cout), output: &y, includeNaive: includeNaive,
                                seconds: seconds, fast: { o in
                Ops.conv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g,
                           activation: .relu, scratch: nil)
            }, naive: { o in
                Naive.conv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g, activation: .relu)
            }))
        }
        return rows
    }

    /// Microseconds of one `parallelFor` over `threads` ranges on `ThreadPool.shared` whose bodies only
    /// wait until every range has started (so each range really runs on its own thread; an empty body
    /// would let the caller finish all ranges before a worker looks): the fixed cost every split layer
    /// pays — publishing the job, a worker noticing it, and the join.
    public static func poolRoundTrip(threads: Int, seconds: Double = 0.05) -> Double {
        let saved = ThreadPool.shared.threadCount
        ThreadPool.shared.threadCount = threads
        defer { ThreadPool.shared.threadCount = saved }
        let started = Atomic<Int>(0)
        // One split per timed call: the best call is one where no thread was descheduled.
        let best = time(seconds) {
            started.store(0, ordering: .relaxed)
            ThreadPool.shared.parallelFor(threads, cost: .infinity, inlineCost: 0) { _ in
                started.wrappingAdd(1, ordering: .relaxed)
                while started.load(ordering: .relaxed) < threads {}
            }
        }
        return best * 1e6
    }

    /// Times the fast and (optionally) the naive kernel writing into `output`.
    static func measure(op: String, shape: String, flops: Double, output: inout Tensor, includeNaive: Bool,
                        seconds: Double, fast: (UnsafeMutablePointer<Float>) -> Void,
                        naive: (UnsafeMutablePointer<Float>) -> Void) -> OpBenchmarkRow {
        func run(_ kernel: (UnsafeMutablePointer<Float>) -> Void) -> Double {
            time(seconds) {
                output.scalars.withUnsafeMutableBufferPointer { kernel($0.baseAddress!) }
                sink += output.scalars[output.count / 2]
            }
        }
        let fastSeconds = run(fast)
        let naiveSeconds = includeNaive ? run(naive) : nil
        return OpBenchmarkRow(op: op, shape: shape, flops: flops, naiveGFLOPS: naiveSeconds.map { flops / $0 / 1e9 },
                              fastGFLOPS: flops / fastSeconds / 1e9, fastMilliseconds: fastSeconds * 1e3)
    }

    /// A fixed-width text table of `rows`.
    public static func table(_ rows: [OpBenchmarkRow]) -> String {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return right ? fill + s : s + fill
        }
        func number(_ v: Double?, _ digits: Int) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "—" }
        var lines = [pad("op", 26) + pad("shape", 20) + pad("naive GFLOP/s", 14, right: true)
                     + pad("fast GFLOP/s", 14, right: true) + pad("fast ms", 10, right: true)]
        for r in rows {
            lines.append(pad(r.op, 26) + pad(r.shape, 20) + pad(number(r.naiveGFLOPS, 1), 14, right: true)
                         + pad(number(r.fastGFLOPS, 1), 14, right: true) + pad(number(r.fastMilliseconds, 4), 10, right: true))
        }
        return lines.joined(separator: "\n")
    }

    /// Best seconds per call of `body`, called repeatedly for at least `seconds` (and at least 3 times).
    static func time(_ seconds: Double, _ body: () -> Void) -> Double {
        body()  // warm caches and the pool
        var best = Double.infinity, total = 0.0, calls = 0
        while total < seconds || calls < 3 {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let t = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            best = min(best, t); total += t; calls += 1
        }
        return best
    }
}

/// Results of benchmarked calls are added here so the optimiser cannot remove the work.
nonisolated(unsafe) var sink: Float = 0
