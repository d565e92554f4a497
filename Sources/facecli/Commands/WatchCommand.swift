import FaceKit
import Foundation
import ImageIO
import MTCNN
import Support

/// `facecli watch SOURCE`: faces and who they are, frame by frame, from a camera, an MJPEG stream
/// or a folder of frames.
enum WatchCommand: Command {
    static let name = "watch"
    static let summary = "Follow the faces of a camera, an MJPEG stream (-) or a folder of frames, one JSON line per frame."
    static let discussion = """
        SOURCE is '-' (concatenated JPEG frames on stdin, as 'ffmpeg -f mjpeg -' or 'libcamera-vid
        --codec mjpeg -o -' write them), a V4L2 camera '/dev/videoN' (MJPEG or YUYV) or a folder of
        JPEG/PNG frames (name order). Each frame gives one line on stdout: the detect schema plus
        "frame" (index in the source), "timestamp_ms" (arrival since start) and per face "track"
        (an id kept while the face is followed) and, as in predict, per task {"label", "probability"},
        the probabilities averaged over the track's last --smooth classifications (a face is
        classified when it appears and then every --classify-every frames). A person whose face is
        not near any known person (cosine similarity below the model's calibrated threshold, or
        --unknown-threshold) is "unknown". The full MTCNN cascade runs every --detect-every frames
        or when a face is lost; in between O-Net alone re-finds each face near its last box.
        From a camera, or with --drop-late, frames that arrive while one is being processed are
        dropped for the newest; from stdin or a folder every frame is answered. Broken frames are
        reported on stderr and skipped. A summary (frames, frames/s, dropped) goes to stderr at the end.
        Without --model and without Weights/facecli-model.fcw, only faces and tracks are reported.
        """
    static let options: [OptionSpec] = [
        .value("model", "path", help: "Trained model (.fcw).", default: "Weights/facecli-model.fcw when present"),
        .flag("no-model", help: "Faces and tracks only, no classification."),
        .value("detect-every", "n", help: "Full detection at least every N frames.", default: "15"),
        .value("classify-every", "n", help: "Classify a followed face every N frames (a new face at once); its last answer is repeated in between.", default: "5"),
        .value("smooth", "n", help: "Average a track's probabilities over its last N frames.", default: "5"),
        UnknownThresholdOption.spec,
        .value("max-frames", "n", help: "Stop after N answered frames."),
        .flag("drop-late", help: "Drop frames that arrive while one is processed (always on for cameras)."),
        .value("annotate", "dir", help: "Write each frame with boxes and landmarks into this folder."),
        .value("min-face", "px", help: "Smallest face to find, in pixels (≥ 12).", default: "20"),
        .value("thresholds", "a,b,c", help: "Face-probability thresholds of P-Net, R-Net and O-Net.", default: "0.6,0.7,0.7"),
        .value("weights", "path", help: "MTCNN weight file.", default: "Weights/mtcnn.fcw"),
        .value("size", "WxH", help: "Camera frame size to ask the driver for.", default: "640x480"),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("source", help: "-, /dev/videoN or a folder of frames.")]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let detectEvery = try arguments.int("detect-every", default: 15, in: 1...100_000)
        let classifyEvery = try arguments.int("classify-every", default: 5, in: 1...100_000)
        let smooth = try arguments.int("smooth", default: 5, in: 1...10_000)
        let maxFrames = try arguments.value("max-frames").map { _ in try arguments.int("max-frames", default: 0, in: 1...Int.max) }
        let annotate = try arguments.value("annotate").map { try DetectCommand.makeFolder($0) }
        let detector = try DetectCommand.makeDetector(arguments, options: try DetectCommand.detectorOptions(arguments))
        let classifier = try loadClassifier(arguments, detector: detector)
        try UnknownThresholdOption.apply(arguments, to: classifier)
        classifier?.testTimeFlip = false   // LabelSmoother averages over the track's frames instead

        let source = try openSource(arguments.positionals[0], arguments)
        let pump = FramePump(source: source, dropLate: source.isLive || arguments.flag("drop-late")) { Console.error($0) }
        let tracker = FaceTracker(detector: detector, options: .init(detectEvery: detectEvery))
        try classifier?.warmUp()
        var smoother = LabelSmoother(window: smooth)
        var answers = [Int: [TaskPrediction]]()   // per track id: its latest smoothed answer
        var answered = 0
        var firstFrameMs: Double?
        let out = BufferedOutput()

        while maxFrames.map({ answered < $0 }) ?? true, let frame = try pump.next() {
            if firstFrameMs == nil { firstFrameMs = frame.timestampMs }
            let tracks = tracker.update(frame.image)
            if let classifier {
                // New faces, faces due for a refresh, and faces without an answer yet.
                let due = tracks.filter { ($0.length - 1) % classifyEvery == 0 || answers[$0.id] == nil }
                let faces = due.map(\.face)
                let scores = try classifier.scores(classifier.crops(frame.image, faces: faces), chips: classifier.chips(frame.image, faces: faces))
                for (k, track) in due.enumerated() {
                    answers[track.id] = classifier.predictions(smoother.add(track: track.id, probabilities: scores[k]))
                }
                let live = Set(tracks.map(\.id))
                smoother.keep(only: live)
                answers = answers.filter { live.contains($0.key) }
            }
            let predictions = tracks.map { answers[$0.id] }
            out.line(jsonLine(frame, source: source is FolderSource ? frame.name : source.name, tracks: tracks, predictions: predictions))
            if let annotate {
                try DetectCommand.annotated(frame.image, tracks.map(\.face))
                    .write(to: annotate + String(format: "/frame_%06d.jpg", frame.index))
            }
            answered += 1
        }
        pump.stop()
        out.flush()
        let seconds = max((pump.millisecondsSinceStart - (firstFrameMs ?? 0)) / 1000, 1e-9)
        Console.standardError(String(format: "watch: %d frames in %.2f s (%.1f frames/s), dropped %d, corrupt %d; full detections %d, O-Net refinements %d",
                                     answered, seconds, Double(answered) / seconds, pump.dropped, pump.corrupt,
                                     tracker.fullDetections, tracker.refinements))
        return .ok
    }

    static func loadClassifier(_ arguments: ParsedArguments, detector: MTCNNDetector) throws -> OpenSetClassifier? {
        if arguments.flag("no-model") { return nil }
        if let path = arguments.value("model") { return try OpenSetClassifier(modelPath: path, detector: detector) }
        guard let path = WeightsLocation.path(WeightsLocation.defaultModel) else {
            Console.error("note: no model given and \(WeightsLocation.defaultModel) not found: reporting faces and tracks only")
            return nil
        }
        return try OpenSetClassifier(modelPath: path, detector: detector)
    }

    static func openSource(_ name: String, _ arguments: ParsedArguments) throws -> FrameSource {
        if name == "-" { return MJPEGStreamSource(fileDescriptor: 0, name: "-") }
        if DetectCommand.isDirectory(name) { return try FolderSource(folder: name) }
        if name.hasPrefix("/dev/") {
            let size = arguments.value("size") ?? "640x480"
            let parts = size.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 >= 16 && $0 <= 8192 }) else {
                throw arguments.usageError("--size must be WIDTHxHEIGHT, got '\(size)'")
            }
            return try V4L2Source(device: name, width: parts[0], height: parts[1])
        }
        guard FileManager.default.fileExists(atPath: name) else { throw FileError(.missing, path: name, "no such file, folder or device") }
        // A file: an MJPEG recording.
        let fd = open(name, O_RDONLY)
        guard fd >= 0 else { throw FileError(.unreadable, path: name, "cannot open: \(String(cString: strerror(errno)))") }
        return MJPEGStreamSource(fileDescriptor: fd, name: name)
    }

    // MARK: - Output

    static func jsonLine(_ frame: LiveFrame, source: String, tracks: [FaceTracker.Track], predictions: [[TaskPrediction]?]) -> String {
        let faces = tracks.enumerated().map { k, t -> String in
            let f = t.face
            let marks = zip(FaceLandmarks.names, f.landmarks.points).map { "\"\($0)\": [\(DetectCommand.num($1.x)), \(DetectCommand.num($1.y))]" }
            var s = "{\"box\": [\(DetectCommand.num(f.box.x)), \(DetectCommand.num(f.box.y)), \(DetectCommand.num(f.box.width)), \(DetectCommand.num(f.box.height))], "
                + "\"confidence\": \(String(format: "%.6f", f.confidence)), \"landmarks\": {\(marks.joined(separator: ", "))}, \"track\": \(t.id)"
            for q in predictions[k] ?? [] {
                s += ", \(DetectCommand.jsonString(q.task)): {\"label\": \(DetectCommand.jsonString(q.label)), \"probability\": \(String(format: "%.6f", q.probability))}"
            }
            return s + "}"
        }
        return "{\"frame\": \(frame.index), \"timestamp_ms\": \(String(format: "%.1f", frame.timestampMs)), \"image\": \(DetectCommand.jsonString(source)), "
            + "\"width\": \(frame.image.width), \"height\": \(frame.image.height), \"faces\": [\(faces.joined(separator: ", "))]}"
    }
}

/// stdout lines collected and written in blocks (a write per frame would cost more than an
/// O-Net run), flushed at least every 50 ms so that a live reader sees frames promptly.
final class BufferedOutput {
    private var buffer = [UInt8]()
    private var last = DispatchTime.now().uptimeNanoseconds

    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        let now = DispatchTime.now().uptimeNanoseconds
        if buffer.count > 1 << 16 || now - last > 50_000_000 { flush(); last = now }
    }

    func flush() {
        buffer.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = write(1, p.baseAddress! + done, p.count - done)
                if n <= 0 { if errno == EINTR { continue }; break }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
