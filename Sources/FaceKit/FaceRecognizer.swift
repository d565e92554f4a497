import Foundation
import ImageIO
import MTCNN
import MTLNet
import Support
import Tensor

/// One task's answer for one face.
public struct TaskPrediction: Sendable, Equatable {
    public var task: String
    public var label: String
    public var probability: Float
}

/// A face found (or given) in an image and what the model says about it.
public struct RecognizedFace: Sendable {
    /// nil when the whole image was the face (`aligned` input).
    public var detection: FaceDetection?
    /// One per task of the model, in the model's task order.
    public var predictions: [TaskPrediction]
}

/// The whole pipeline of the paper for library users: detect (MTCNN) → align → backbone features
/// → multi-task heads, and for the person task the open-set answer of the model's gallery
/// (`unknown` for a face like no known person; see `OpenSetClassifier`).
///
/// Thread-safe: `recognize` may be called from several threads at once and gives each the result
/// it would get alone. It holds no state of its own between calls; each network it uses
/// (`MTCNNDetector`, the backbone, `MultiTaskModel`) serialises its own calls with a lock, as they
/// reuse buffers allocated once, so concurrent calls overlap (one thread's detection runs while
/// another's backbone runs) but each network serves one call at a time. For full parallel
/// throughput give each thread its own recogniser.
public final class FaceRecognizer {
    public let classifier: OpenSetClassifier
    public var model: MultiTaskModel { classifier.model }
    public var modelPath: String { classifier.modelPath }
    public let detector: MTCNNDetector?
    public let aligner: FaceAligner

    /// Loads the model, its gallery, the backbone it was trained on (from `Weights/`, or `backbone`)
    /// and, when `detector` is nil and `detect` is true, MTCNN from `Weights/`.
    public init(modelPath: String, backbone: FeatureExtractor? = nil, detector: MTCNNDetector? = nil, detect: Bool = true,
                alignment: FaceAligner.Method = .similarity) throws {
        let detector = try detector ?? (detect ? MTCNNDetector() : nil)
        self.detector = detector
        classifier = try OpenSetClassifier(modelPath: modelPath, extractor: backbone, detector: detector)
        aligner = FaceAligner(size: classifier.inputSize, method: alignment)
    }

    /// The faces of `image` with the model's predictions. `aligned`: the image is already a face
    /// crop (no detection; its central square is used).
    public func recognize(_ image: RGBImage, aligned: Bool = false) throws -> [RecognizedFace] {
        var detections: [FaceDetection?] = []
        var crops: [RGBImage] = []
        var chips: [RGBImage]?
        if aligned {
            detections = [nil]; crops = [image.centerSquare(size: classifier.inputSize)]
            chips = classifier.chip(alignedCrop: image).map { [$0] }
        } else {
            guard let detector else { preconditionFailure("FaceRecognizer: created without a detector, call with aligned: true") }
            let faces = detector.detect(image)
            detections = faces
            crops = faces.map { aligner.align(image, landmarks: $0.landmarks) }
            chips = classifier.chips(image, faces: faces)
        }
        return try zip(detections, classifier.scores(crops, chips: chips)).map { detection, scores in
            RecognizedFace(detection: detection, predictions: classifier.predictions(scores))
        }
    }
}
