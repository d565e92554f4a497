import FaceKit
import Foundation
import ImageIO
import MTCNN

/// `facecli predict IMAGE...`: detects, aligns and classifies every face in each image.
enum PredictCommand: Command {
    static let name = "predict"
    static let summary = "Find the faces in images and tell who each is, the age group and the ethnicity."
    static let discussion = """
        Prints one line per image: the JSON of 'facecli detect' where every face also has one key per
        task of the model, e.g. "person": {"label": "Tom_Hanks", "probability": 0.97}. Without
        --model the default model shipped in Weights/ is used. A model with a person gallery
        (see 'facecli enroll') answers "unknown" for a face like none of its people. With --aligned each image is taken as
        one face crop (no detection; "box" is the whole image). --annotate OUT writes a copy of each
        image with every face's box, its five landmarks and, beside the box, one line per task: the
        predicted label and its probability.
        """
    static let options: [OptionSpec] = [
        .value("model", "path", help: "Trained model (.fcw) written by 'facecli train'.", default: "Weights/" + WeightsLocation.defaultModel),
        .flag("aligned", help: "Images are already aligned face crops: no detection."),
        .value("format", "json|csv", help: "Output format.", default: "json"),
        .value("annotate", "out", help: "Write a copy of the image with boxes, landmarks and predicted labels drawn (a folder when there are several images)."),
        .value("min-face", "px", help: "Smallest face to find, in pixels.", default: "20"),
        .value("align", "method", help: "similarity (5-point) or eyes (the paper's: eyes level).", default: "similarity"),
        UnknownThresholdOption.spec,
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("image", help: "JPEG or PNG images.", variadic: true)]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let aligned = arguments.flag("aligned")
        let format = try arguments.choice("format", from: ["json", "csv"], default: "json")!
        let method = FaceAligner.Method(rawValue: try arguments.choice("align", from: FaceAligner.Method.allCases.map(\.rawValue), default: "similarity")!)!
        let modelPath = try arguments.value("model") ?? WeightsLocation.require(
            WeightsLocation.defaultModel, what: "the default model", howToGet: "train one with 'facecli train' and pass --model")
        let detector: MTCNNDetector? = aligned ? nil : try DetectCommand.makeDetector(arguments, options: try DetectCommand.detectorOptions(arguments))
        let recognizer = try FaceRecognizer(modelPath: modelPath, detector: detector, detect: !aligned, alignment: method)
        try UnknownThresholdOption.apply(arguments, to: recognizer.classifier)
        let images = arguments.positionals
        let annotate = try arguments.value("annotate").map { try DetectCommand.AnnotationTarget(path: $0, inputs: images.count) }
        let tasks = recognizer.model.info.tasks.map(\.name)
        if format == "csv" {
            print((["image", "face", "x", "y", "width", "height", "confidence"] + tasks.flatMap { [$0, $0 + "_probability"] }).joined(separator: ","))
        }
        return ImageInputs.forEach(images) { path, image in
            let faces = try recognizer.recognize(image, aligned: aligned)
            if format == "csv" {
                for (k, face) in faces.enumerated() {
                    let box = boxOf(face, image)
                    let cells = [csvCell(path), "\(k)"] + box.map(DetectCommand.num) + [String(format: "%.6f", Double(face.detection?.confidence ?? 1))]
                        + face.predictions.flatMap { [csvCell($0.label), String(format: "%.6f", $0.probability)] }
                    print(cells.joined(separator: ","))
                }
            } else {
                print(jsonLine(path, image, faces))
            }
            if let annotate {
                try annotated(image, faces).write(to: annotate.output(for: path))
            }
        }
    }

    /// `detect --annotate`'s boxes and landmarks, and beside every box one line per task: the
    /// predicted label and its probability (with --aligned, in the top-left corner of the image).
    static func annotated(_ image: RGBImage, _ faces: [RecognizedFace]) -> RGBImage {
        var out = DetectCommand.annotated(image, faces.compactMap(\.detection))
        for face in faces {
            let b = boxOf(face, image)
            // Text grows with the face (up to 4×), so that it stays readable on large photos.
            let scale = max(1, min(4, Int(b[2] / 150)))
            let lines = face.predictions.map { "\($0.label) \(Int((Double($0.probability) * 100).rounded()))%" }
            out.drawLabel(lines, nextTo: b[0], b[1], b[0] + b[2], b[1] + b[3], color: .black, background: .green, scale: scale)
        }
        return out
    }

    static func boxOf(_ face: RecognizedFace, _ image: RGBImage) -> [Float] {
        guard let b = face.detection?.box else { return [0, 0, Float(image.width), Float(image.height)] }
        return [b.x, b.y, b.width, b.height]
    }

    /// `facecli detect`'s JSON line with the task keys added to every face.
    static func jsonLine(_ path: String, _ image: RGBImage, _ faces: [RecognizedFace]) -> String {
        let list = faces.map { face -> String in
            var parts = ["\"box\": [\(boxOf(face, image).map(DetectCommand.num).joined(separator: ", "))]"]
            if let d = face.detection {
                parts.append("\"confidence\": \(String(format: "%.6f", d.confidence))")
                let marks = zip(FaceLandmarks.names, d.landmarks.points).map { "\"\($0)\": [\(DetectCommand.num($1.x)), \(DetectCommand.num($1.y))]" }
                parts.append("\"landmarks\": {\(marks.joined(separator: ", "))}")
            }
            for p in face.predictions {
                parts.append("\(DetectCommand.jsonString(p.task)): {\"label\": \(DetectCommand.jsonString(p.label)), \"probability\": \(String(format: "%.6f", p.probability))}")
            }
            return "{" + parts.joined(separator: ", ") + "}"
        }
        return "{\"image\": \(DetectCommand.jsonString(path)), \"width\": \(image.width), \"height\": \(image.height), \"faces\": [\(list.joined(separator: ", "))]}"
    }

    static func csvCell(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
