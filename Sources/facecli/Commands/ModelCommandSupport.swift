import FaceKit
import Foundation
import MTCNN
import MTLNet

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs stay clean).
final class ProgressBar {
    let label: String
    private let enabled = isatty(2) != 0
    private var drawn = false
    private var lastDraw = Date.distantPast

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0, done == total || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let width = 30, filled = width * done / total
        let line = "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total)"
        FileHandle.standardError.write(line.data(using: .utf8)!)
        drawn = true
    }

    /// Ends the bar's line so that the next message starts on a fresh one.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write("\n".data(using: .utf8)!)
        drawn = false
    }
}

/// `--unknown-threshold S`: overrides the similarity threshold of a model's person gallery.
enum UnknownThresholdOption {
    static let spec = OptionSpec.value("unknown-threshold", "s", help: "Cosine similarity below which a face is an unknown person.",
                                       default: "the model's calibrated one")

    /// Sets `classifier`'s override from the arguments; warns when the model has no gallery.
    static func apply(_ arguments: ParsedArguments, to classifier: OpenSetClassifier?) throws {
        guard arguments.value("unknown-threshold") != nil else { return }
        let threshold = Float(try arguments.double("unknown-threshold", default: 0, in: -1...1))
        classifier?.unknownThreshold = threshold
        if classifier?.gallery == nil {
            Console.error("warning: --unknown-threshold has no effect: the model has no person gallery (see 'facecli enroll --calibrate')")
        }
    }
}

/// The cache folder: `--cache DIR`, else `$XDG_CACHE_HOME/facecli`, else `~/.cache/facecli`.
enum CacheLocation {
    static func folder(_ option: String?) -> String {
        if let option { return option }
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/facecli" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/facecli"
    }
}

enum ModelCommandSupport {
    /// `--aligned` crops, or MTCNN (with `detect`'s `--min-face`/`--thresholds`/`--weights` when the command has them) + 5-point alignment.
    static func faces(_ arguments: ParsedArguments, size: Int) throws -> FaceSource {
        if arguments.flag("aligned") { return FaceSources.aligned(size: size) }
        let detector = try DetectCommand.makeDetector(arguments, options: try DetectCommand.detectorOptions(arguments))
        return FaceSources.detected(detector: detector, aligner: FaceAligner(size: size))
    }
}
