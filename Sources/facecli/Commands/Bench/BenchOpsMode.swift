import Foundation
import Tensor

/// `facecli bench --ops`: per-op GFLOP/s, naive and fast kernels, at the MobileNet v1 (and v2
/// depthwise) layer shapes of a 128×128 input. Single core unless `--threads` says otherwise.
enum BenchOpsMode: BenchMode {
    static let selector = OptionSpec.flag("ops", help: "Benchmark tensor ops at MobileNet layer shapes (128×128 input).")
    static let options: [OptionSpec] = [
        .flag("fast-only", help: "Skip the naive kernels (they are slow)."),
        .flag("v1-only", help: "Only MobileNet v1 shapes (skip the MobileNetV2 depthwise shapes)."),
        .value("seconds", "s", help: "Minimum timing per kernel.", default: "0.05"),
        .flag("json", help: "Print a JSON array of rows instead of the table."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let threads = try arguments.int("threads", default: 1, in: 1...ThreadPool.maximumThreadCount)
        let seconds = try arguments.double("seconds", default: 0.05, in: 0.001...60)
        let rows = OpBenchmark.run(includeV2: !arguments.flag("v1-only"), includeNaive: !arguments.flag("fast-only"),
                                   threads: threads, seconds: seconds)
        if arguments.flag("json") {
            let objects = rows.map { r -> String in
                let naive = r.naiveGFLOPS.map { String(format: "%.2f", $0) } ?? "null"
                return "{\"op\": \"\(r.op)\", \"shape\": \"\(r.shape)\", \"naive_gflops\": \(naive), "
                    + String(format: "\"fast_gflops\": %.2f, \"fast_ms\": %.4f}", r.fastGFLOPS, r.fastMilliseconds)
            }
            print("[" + objects.joined(separator: ",\n ") + "]")
        } else {
            print("tensor ops, \(threads) thread(s), best of ≥ \(seconds) s per kernel")
            if threads > 1 {
                print(String(format: "thread pool: %.2f µs per split (empty ranges)", OpBenchmark.poolRoundTrip(threads: threads, seconds: seconds)))
            }
            print(OpBenchmark.table(rows))
        }
        return .ok
    }
}
