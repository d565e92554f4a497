import Foundation
import ImageIO
import MTCNN
import Support

/// `facecli detect IMAGE...`: MTCNN face boxes and five landmarks per face.
enum DetectCommand: Command {
    static let name = "detect"
    static let summary = "Find the faces in images: box, score and five landmarks per face."
    static let discussion = """
        Prints one line per image: JSON {"image", "width", "height", "faces": [{"box": [x, y, w, h],
        "confidence", "landmarks": {"left_eye": [x, y], "right_eye", "nose", "mouth_left",
        "mouth_right"}}]} in pixels of the original image ("left" = smaller x in an upright face),
        or CSV rows (one per face) with --format csv. An unreadable image is reported on stderr and
        the others are still processed (exit status 1 at the end).
        """
    static let options: [OptionSpec] = [
        .value("min-face", "px", help: "Smallest face to find, in pixels (≥ 12).", default: "20"),
        .value("thresholds", "a,b,c", help: "Face-probability thresholds of P-Net, R-Net and O-Net.", default: "0.6,0.7,0.7"),
        .value("format", "json|csv", help: "Output format.", default: "json"),
        .value("annotate", "out", help: "Draw boxes and landmarks: an image file for one input, else a folder."),
        .value("crops", "dir", help: "Write each face aligned to a square crop into this folder."),
        .value("align", "similarity|eyes", help: "Crop alignment: 5-point similarity or the paper's eyes-level rotation.", default: "similarity"),
        .value("crop-size", "px", help: "Side of the aligned crops.", default: "128"),
        .value("weights", "path", help: "MTCNN weight file.", default: "Weights/mtcnn.fcw beside the executable or in the repo"),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("image", help: "JPEG or PNG images.", variadic: true)]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let options = try detectorOptions(arguments)
        let format = try arguments.choice("format", from: ["json", "csv"], default: "json")!
        let method = try arguments.choice("align", from: FaceAligner.Method.allCases.map(\.rawValue), default: "similarity")!
        let aligner = FaceAligner(size: try arguments.int("crop-size", default: 128, in: 8...4096),
                                  method: FaceAligner.Method(rawValue: method)!)
        let images = arguments.positionals
        let annotate = try arguments.value("annotate").map { try AnnotationTarget(path: $0, inputs: images.count) }
        let cropsFolder = try arguments.value("crops").map { try makeFolder($0) }
        let detector = try makeDetector(arguments, options: options)

        if format == "csv" { print(csvHeader) }
        // The shared loop: a failing input is reported and skipped; the status is 1 when some failed,
        // or the error's own status (65, 66, …) when every input failed.
        return ImageInputs.forEach(images) { path, image in
            let faces = detector.detect(image)
            print(format == "csv" ? csvRows(path, faces) : jsonLine(path, image, faces), terminator: format == "csv" && faces.isEmpty ? "" : "\n")
            if let annotate { try annotated(image, faces).write(to: annotate.output(for: path)) }
            if let cropsFolder {
                for (k, face) in faces.enumerated() {
                    try aligner.align(image, landmarks: face.landmarks)
                        .write(to: cropsFolder + "/" + stem(path) + "_face\(k).png")
                }
            }
        }
    }

    // MARK: - Options shared with `bench --detect`

    static func detectorOptions(_ arguments: ParsedArguments) throws -> MTCNNOptions {
        var options = MTCNNOptions()
        options.minFaceSize = try arguments.double("min-face", default: 20, in: 12...100_000)
        options.threads = try arguments.threads()
        if let text = arguments.value("thresholds") {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, let a = parts[0], let b = parts[1], let c = parts[2], [a, b, c].allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw arguments.usageError("--thresholds must be three numbers in 0…1 separated by commas, got '\(text)'")
            }
            options.thresholds = (a, b, c)
        }
        if let problem = options.validationError { throw arguments.usageError(problem) }
        return options
    }

    static func makeDetector(_ arguments: ParsedArguments, options: MTCNNOptions) throws -> MTCNNDetector {
        if let path = arguments.value("weights") { return try MTCNNDetector(weightsPath: path, options: options) }
        guard let path = MTCNNDetector.defaultWeightsPath() else {
            throw CLIError.failure("MTCNN weights (mtcnn.fcw) not found beside the executable, in ./Weights or in $FACECLI_WEIGHTS; give --weights PATH", .unavailable)
        }
        return try MTCNNDetector(weightsPath: path, options: options)
    }

    // MARK: - Output

    static func jsonLine(_ path: String, _ image: RGBImage, _ faces: [FaceDetection]) -> String {
        let list = faces.map { f -> String in
            let marks = zip(FaceLandmarks.names, f.landmarks.points).map { "\"\($0)\": [\(num($1.x)), \(num($1.y))]" }
            return "{\"box\": [\(num(f.box.x)), \(num(f.box.y)), \(num(f.box.width)), \(num(f.box.height))], "
                + "\"confidence\": \(String(format: "%.6f", f.confidence)), \"landmarks\": {\(marks.joined(separator: ", "))}}"
        }
        return "{\"image\": \(jsonString(path)), \"width\": \(image.width), \"height\": \(image.height), \"faces\": [\(list.joined(separator: ", "))]}"
    }

    static let csvHeader = (["image", "face", "x", "y", "width", "height", "confidence"]
        + FaceLandmarks.names.flatMap { ["\($0)_x", "\($0)_y"] }).joined(separator: ",")

    static func csvRows(_ path: String, _ faces: [FaceDetection]) -> String {
        let quoted = path.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + path.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : path
        return faces.enumerated().map { k, f in
            ([quoted, "\(k)", num(f.box.x), num(f.box.y), num(f.box.width), num(f.box.height), String(format: "%.6f", f.confidence)]
                + f.landmarks.points.flatMap { [num($0.x), num($0.y)] }).joined(separator: ",")
        }.joined(separator: "\n")
    }

    /// Pixel coordinates with two decimals.
    static func num(_ v: Float) -> String { String(format: "%.2f", v) }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: - Files

    /// Boxes in green, landmarks as red dots (eyes), yellow (nose), blue (mouth).
    static func annotated(_ image: RGBImage, _ faces: [FaceDetection]) -> RGBImage {
        var out = image
        let thickness = max(1, min(image.width, image.height) / 300)
        for f in faces {
            out.drawRectangle(x0: f.box.x, y0: f.box.y, x1: f.box.x + f.box.width, y1: f.box.y + f.box.height,
                              color: .green, thickness: thickness)
            let radius = max(1.5, f.box.width / 40)
            for (k, p) in f.landmarks.points.enumerated() {
                out.fillCircle(x: p.x, y: p.y, radius: radius, color: k < 2 ? .red : k == 2 ? .yellow : .blue)
            }
        }
        return out
    }

    /// Where `--annotate` writes: the given file for a single input with an image extension,
    /// otherwise a folder (created) receiving `<name>.png|jpg` per input.
    struct AnnotationTarget {
        let file: String?, folder: String?

        init(path: String, inputs: Int) throws {
            if inputs == 1, ImageFormat.forOutput(path: path) != nil, !isDirectory(path) {
                file = path; folder = nil
            } else {
                file = nil; folder = try makeFolder(path)
            }
        }

        func output(for input: String) -> String {
            if let file { return file }
            let ext = ImageFormat.forOutput(path: input) != nil ? (input as NSString).pathExtension.lowercased() : "png"
            return folder! + "/" + stem(input) + "." + ext
        }
    }

    static func stem(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    static func makeFolder(_ path: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileError(.cannotCreate, path: path, "cannot create the folder")
        }
        return path
    }
}
