import FaceKit
import Foundation
import ImageIO
import MTLNet
import Support
import Tensor

/// `facecli bench --embedding`: time of the face-identity network (`FaceEmbedder`, dlib's ResNet-29 on
/// 150 × 150 chips → 128-d descriptors, dense layer and input scaling included) per call of `--batch`
/// chips (wall and process CPU time), GFLOP/s from its multiply-accumulates, peak memory; `--profile`
/// adds each node's time.
/// Output as `bench --backbone`'s. `bench/embedding_vs_dlib.py` runs it beside dlib itself.
enum BenchEmbeddingMode: BenchMode {
    static let selector = OptionSpec.flag("embedding", help: "Benchmark the face-identity network (Weights/face-embedding.fcw) on 150×150 chips.")
    static let options: [OptionSpec] = [
        .value("chip", "path", help: "The chip: 150×150×3 raw RGB bytes (.rgb) or an image (resized to 150×150).", default: "seeded random pixels"),
        ForwardBenchOptions.batch,
        ForwardBenchOptions.warmup,
        .value("weights", "path", help: "Weight file to load.", default: "Weights/face-embedding.fcw"),
        .flag("json", help: "Print one JSON object (median_ms, p90_ms, min_ms, …, and the chip's descriptor)."),
        ForwardBenchOptions.profile,
    ]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let batch = try arguments.int("batch", default: 1, in: 1...1024)
        let runs = try arguments.int("runs", default: 50, in: 1...1_000_000)
        let warmup = try arguments.int("warmup", default: 10, in: 0...1_000_000)
        let threads = try arguments.threads()
        ThreadPool.shared.threadCount = threads
        let path = try arguments.value("weights")
            ?? WeightsLocation.require(IdentityFeatures.weightsFile, what: "the face-embedding network",
                                       howToGet: "convert it with tools/convert_face_embedding.py (see Weights/README.md)")
        let embedder = try FaceEmbedder(contentsOf: path)
        let side = FaceEmbedder.chipSize
        let chip: RGBImage
        let chipName: String
        if let chipPath = arguments.value("chip") {
            chip = try loadChip(chipPath)
            chipName = chipPath
        } else {
            var rng = SeededRandom(seed: 3)
            chip = RGBImage(width: side, height: side, pixels: (0..<(side * side * 3)).map { _ in UInt8(rng.next() % 256) })
            chipName = "random (seed 3)"
        }
        let chips = [RGBImage](repeating: chip, count: batch)

        let descriptor = try embedder.descriptors(of: chips)
        // Wall time, and process CPU time (all threads): on a busy machine the latter still shows the work done.
        let t = try ForwardBenchOptions.time(runs: runs, warmup: warmup, profile: arguments.flag("profile") ? embedder.graph : nil) {
            try embedder.descriptors(of: chips)
        }
        let median = t.median, p90 = t.p90, times = t.sorted
        // The dense 256 → 128 layer is counted too: it is part of each call, as in dlib.
        let macs = try embedder.graph.macs(height: side, width: side) + embedder.graph.channels(of: embedder.graph.output) * embedder.dimension
        let fps = Double(batch) * 1000 / median
        let gflops = 2 * Double(macs) * Double(batch) / (median * 1e6)
        let rss = BenchBackboneMode.peakResidentMegabytes()
        let first = Array(descriptor.scalars[0..<embedder.dimension])
        if arguments.flag("json") {
            let q = BenchBackboneMode.jsonString, f = BenchBackboneMode.jsonNumber
            let fields = [("network", q(FaceEmbedder.architecture)), ("weights", q(embedder.source)), ("chip", q(chipName)),
                          ("input", "\(side)"), ("batch", "\(batch)"), ("threads", "\(threads)"), ("runs", "\(runs)"),
                          ("warmup", "\(warmup)"), ("median_ms", f(median)), ("p90_ms", f(p90)), ("min_ms", f(times[0])),
                          ("cpu_median_ms", f(t.cpuMedian)), ("fps", f(fps)), ("gflops", f(gflops)), ("macs_per_image", "\(macs)"),
                          ("peak_rss_mb", rss.map { f($0) } ?? "null"),
                          ("descriptor", "[" + first.map { String(format: "%.8g", $0) }.joined(separator: ", ") + "]")]
            BenchBackboneMode.printJSONObject(fields)
        } else {
            print("embedding \(FaceEmbedder.architecture) → \(embedder.dimension)-d, weights \(embedder.source), chip \(chipName)")
            print("input     \(batch) × \(side) × \(side) × 3, \(threads) thread\(threads == 1 ? "" : "s"), \(runs) runs after \(warmup) warm-up")
            print(String(format: "latency   median %.3f ms, p90 %.3f ms, min %.3f ms (CPU time: median %.3f ms)",
                         median, p90, times[0], t.cpuMedian))
            print(String(format: "speed     %.1f chips/s, %.1f GFLOP/s (%.1f M multiply-adds per chip)", fps, gflops, Double(macs) / 1e6))
            print("memory    peak resident \(rss.map { String(format: "%.1f MB", $0) } ?? "unknown")")
        }
        BenchBackboneMode.printProfile(embedder.graph)
        return .ok
    }

    /// A 150 × 150 chip from raw RGB bytes (exactly 150·150·3 of them, as the goldens store chips) or
    /// from an image file, resized if it has another size.
    static func loadChip(_ path: String) throws -> RGBImage {
        let side = FaceEmbedder.chipSize
        if path.hasSuffix(".rgb") {
            let bytes: Data
            do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                let exists = FileManager.default.fileExists(atPath: path)
                throw FileError(exists ? .unreadable : .missing, path: path, exists ? "cannot read the chip" : "no such file")
            }
            guard bytes.count == side * side * 3 else {
                throw FileError(.badData, path: path, "a raw chip has \(side * side * 3) bytes (\(side)×\(side) RGB), this file has \(bytes.count)")
            }
            return RGBImage(width: side, height: side, pixels: [UInt8](bytes))
        }
        let image = try RGBImage(contentsOf: path)
        return image.width == side && image.height == side ? image : image.resized(width: side, height: side)
    }
}
