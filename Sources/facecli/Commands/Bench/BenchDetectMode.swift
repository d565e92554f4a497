import Dispatch
import Foundation
import ImageIO
import MTCNN
import Tensor

/// `facecli bench --detect IMAGE`: MTCNN detection time on one image.
enum BenchDetectMode: BenchMode {
    static let selector = OptionSpec.value("detect", "image", help: "Benchmark face detection on this image.")
    static let options: [OptionSpec] = [
        .flag("json", help: "Print one JSON object (median_ms, p90_ms, min_ms, …) instead of text."),
        .value("min-face", "px", help: "Smallest face to find, in pixels (≥ 12).", default: "20"),
    ]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let path = try arguments.required("detect")
        let runs = try arguments.int("runs", default: 30, in: 1...100_000)
        var options = MTCNNOptions()
        options.threads = try arguments.int("threads", default: 1, in: 1...ThreadPool.maximumThreadCount)
        // The kernels' shared pool too (sgemm of the dense layers), else "1 thread" used every core there.
        ThreadPool.shared.threadCount = options.threads
        options.minFaceSize = try arguments.double("min-face", default: 20, in: 12...100_000)
        let image = try RGBImage(contentsOf: path)
        let detector = try DetectCommand.makeDetector(arguments, options: options)

        var faces = 0
        for _ in 0..<3 { faces = detector.detect(image).count }   // warm-up: buffers, caches, pages
        // Wall time, and process CPU time: on a busy machine the latter still shows the work done.
        var times = [Double](), cpu = [Double]()
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUTime()
            let found = detector.detect(image)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            cpu.append((processCPUTime() - cpuStart) * 1e3)
            benchSink &+= found.count
        }
        times.sort(); cpu.sort()
        let median = times[times.count / 2], p90 = times[min(times.count - 1, Int((Double(times.count) * 0.9).rounded(.up)) - 1)]
        if arguments.flag("json") {
            print("{\"image\": \(DetectCommand.jsonString(path)), \"width\": \(image.width), \"height\": \(image.height), "
                + "\"faces\": \(faces), \"threads\": \(options.threads), \"runs\": \(runs), "
                + String(format: "\"median_ms\": %.3f, \"p90_ms\": %.3f, \"min_ms\": %.3f, \"cpu_median_ms\": %.3f}",
                         median, p90, times[0], cpu[cpu.count / 2]))
        } else {
            print("\(path): \(image.width)×\(image.height), \(faces) faces, \(options.threads) thread(s), \(runs) runs")
            print(String(format: "detect: median %.2f ms, p90 %.2f ms, min %.2f ms per frame (CPU time: median %.2f ms)",
                         median, p90, times[0], cpu[cpu.count / 2]))
        }
        return .ok
    }
}

/// CPU seconds used by the whole process so far (all threads).
func processCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Read by nobody; keeps the optimiser from dropping the timed work.
nonisolated(unsafe) var benchSink = 0
