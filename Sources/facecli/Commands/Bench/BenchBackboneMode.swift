import FaceKit
import Foundation
import MTLNet
import Tensor

/// `facecli bench --backbone NAME`: forward-pass latency of one backbone (batch of `--batch` images of
/// `--input`² pixels), frames/s, GFLOP/s from the model's multiply-accumulates, and peak memory.
/// Uses `Weights/NAME.fcw` (found as `WeightsLocation` finds it, or `--weights`) when present, else seeded random weights
/// rounded to fp16 as the files store them — the speed is the same — and says which.
enum BenchBackboneMode: BenchMode {
    static let selector = OptionSpec.value("backbone", "name", help: "Benchmark a backbone: mobilenet, mobilenetv2 or inceptionv3.")
    static let options: [OptionSpec] = [
        .value("input", "n", help: "Input side in pixels.", default: "128"),
        ForwardBenchOptions.batch,
        ForwardBenchOptions.warmup,
        .value("weights", "path", help: "Weight file to load.", default: "Weights/NAME.fcw if present, else random"),
        .flag("json", help: "Print one JSON object (median_ms, p90_ms, min_ms, fps, gflops, …)."),
        ForwardBenchOptions.profile,
    ]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let names = BackboneArchitecture.allCases.map(\.rawValue)
        let name = try arguments.choice("backbone", from: names)!
        let architecture = BackboneArchitecture(rawValue: name)!
        let input = try arguments.int("input", default: 128, in: architecture.minimumInputSize...4096)
        let batch = try arguments.int("batch", default: 1, in: 1...1024)
        let runs = try arguments.int("runs", default: architecture == .inceptionv3 ? 30 : 100, in: 1...1_000_000)
        let warmup = try arguments.int("warmup", default: 10, in: 0...1_000_000)
        let threads = try arguments.threads()
        let json = arguments.flag("json")
        ThreadPool.shared.threadCount = threads

        let backbone: Backbone
        var note = ""
        if let path = arguments.value("weights") ?? WeightsLocation.path("\(name).fcw") {
            backbone = try Backbone(contentsOf: path, inputSize: input)
        } else {
            let path = "Weights/\(name).fcw"
            let configuration: BackboneConfiguration = architecture == .inceptionv3 ? .inception2015 : .keras(architecture)
            // Kernels rounded to fp16 like the weight files', so that the engine runs what a file would.
            backbone = try Backbone.random(configuration, seed: 1, inputSize: input, halfPrecisionKernels: true)
            note = architecture == .inceptionv3
                ? "no \(path) (make it with: python3 tools/convert_inceptionv3.py); same speed"
                : "no \(path); same speed"
        }
        var rng = SeededRandom(seed: 3)
        let pixels = Tensor(randomUniform: [batch, input, input, 3], in: 0...255, using: &rng)
        let t = try ForwardBenchOptions.time(runs: runs, warmup: warmup, profile: arguments.flag("profile") ? backbone.graph : nil) {
            try backbone.features(ofPixels: pixels)
        }
        let median = t.median, p90 = t.p90, times = t.sorted
        let macs = backbone.macsPerImage
        let fps = Double(batch) * 1000 / median
        let gflops = 2 * Double(macs) * Double(batch) / (median * 1e6)
        let rss = peakResidentMegabytes()
        let weights = backbone.isRandom ? "random (seed 1, fp16 kernels)" : backbone.source
        if json {
            let q = jsonString, f = jsonNumber
            let fields = [("backbone", q(name)), ("weights", q(weights)), ("random_weights", "\(backbone.isRandom)"),
                          ("input", "\(input)"), ("batch", "\(batch)"), ("threads", "\(threads)"), ("runs", "\(runs)"),
                          ("warmup", "\(warmup)"), ("median_ms", f(median)), ("p90_ms", f(p90)), ("min_ms", f(times[0])),
                          ("fps", f(fps)), ("gflops", f(gflops)), ("macs_per_image", "\(macs)"),
                          ("peak_rss_mb", rss.map { f($0) } ?? "null")]
            printJSONObject(fields)
        } else {
            print("backbone  \(name), \(backbone.featureCount) features, weights \(weights)\(note.isEmpty ? "" : " — \(note)")")
            print("input     \(batch) × \(input) × \(input) × 3, \(threads) thread\(threads == 1 ? "" : "s"), \(runs) runs after \(warmup) warm-up")
            print(String(format: "latency   median %.3f ms, p90 %.3f ms, min %.3f ms", median, p90, times[0]))
            print(String(format: "speed     %.1f frames/s, %.1f GFLOP/s (%.1f M multiply-adds per image)", fps, gflops, Double(macs) / 1e6))
            print("memory    peak resident \(rss.map { String(format: "%.1f MB", $0) } ?? "unknown")")
        }
        printProfile(backbone.graph)
        return .ok
    }

    /// With `--profile` (`graph.nodeSeconds` set): each node's fastest time, slowest first, on stderr.
    static func printProfile(_ graph: InferenceGraph) {
        guard let seconds = graph.nodeSeconds else { return }
        let total = seconds.filter(\.isFinite).reduce(0, +)
        Console.standardError(String(format: "sum of the fastest layer times: %.3f ms", total * 1000))
        for i in seconds.indices.sorted(by: { seconds[$0] > seconds[$1] }) where seconds[i] > 0 && seconds[i].isFinite {
            Console.standardError(String(format: "%8.3f ms %5.1f %%  ", seconds[i] * 1000, 100 * seconds[i] / total)
                                  + graph.nodeDescription(i))
        }
    }

    /// `s` as a JSON string literal.
    static func jsonString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func jsonNumber(_ v: Double) -> String { String(format: "%.4f", v) }

    /// One line `{"name": value, …}` of already-rendered values.
    static func printJSONObject(_ fields: [(String, String)]) {
        print("{" + fields.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}")
    }

    /// `VmHWM` of /proc/self/status in MB (Linux), nil elsewhere.
    static func peakResidentMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }
}

/// Results of timed work are folded in here so that the optimiser cannot delete the work.
nonisolated(unsafe) var benchmarkSink: UInt32 = 0

/// Options and timing of the modes that time a network's forward pass (`--backbone`, `--embedding`).
enum ForwardBenchOptions {
    struct Timing {
        /// Wall milliseconds per run, ascending; process CPU milliseconds (all threads), ascending.
        let sorted: [Double], cpuSorted: [Double]
        var median: Double { Timing.median(sorted) }
        var cpuMedian: Double { Timing.median(cpuSorted) }
        var p90: Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.9).rounded(.up)) - 1)] }
        static func median(_ v: [Double]) -> Double { v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2 }
    }

    /// `warmup` untimed then `runs` timed calls of `forward`; with `profile`, the graph keeps each
    /// node's fastest time over the timed runs.
    static func time(runs: Int, warmup: Int, profile: InferenceGraph?, _ forward: () throws -> Tensor) throws -> Timing {
        for _ in 0..<warmup { benchmarkSink &+= try forward().scalars[0].bitPattern }
        if let profile { profile.nodeSeconds = [Double](repeating: .infinity, count: profile.nodeCount) }
        var times = [Double](), cpu = [Double]()
        times.reserveCapacity(runs); cpu.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUTime()
            let out = try forward()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            cpu.append((processCPUTime() - cpuStart) * 1e3)
            benchmarkSink &+= out.scalars[0].bitPattern
        }
        return Timing(sorted: times.sorted(), cpuSorted: cpu.sorted())
    }

    static let batch = OptionSpec.value("batch", "n", help: "Images per forward pass.", default: "1")
    static let warmup = OptionSpec.value("warmup", "n", help: "Untimed forward passes first.", default: "10")
    static let profile = OptionSpec.flag("profile", help: "Also print each layer's fastest time over the timed runs (CPU clock with 1 thread, wall clock with more), slowest first, on stderr.")
}
