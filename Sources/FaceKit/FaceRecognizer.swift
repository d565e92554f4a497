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

/// The whole pipeline of the paper for library users: detect (MTCNN) → align (128 × 128) →
/// backbone features → multi-task heads. Not thread-safe (the networks reuse their buffers).
public final class FaceRecognizer {
    public let model: MultiTaskModel
    public let modelPath: String
    public let detector: MTCNNDetector?
    public let aligner: FaceAligner
    private let extractor: FeatureExtractor

    /// Loads the model, the backbone it was trained on (from `Weights/`, or `backbone`) and,
    /// when `detector` is nil and `detect` is true, MTCNN from `Weights/`.
    public init(modelPath: String, backbone: FeatureExtractor? = nil, detector: MTCNNDetector? = nil, detect: Bool = true,
                alignment: FaceAligner.Method = .similarity) throws {
        model = try MultiTaskModel(path: modelPath)
        self.modelPath = modelPath
        let b = try backbone ?? WeightsLocation.extractor(for: model.info)
        extractor = try model.extractor(for: b, modelPath: modelPath)
        if let detector { self.detector = detector } else { self.detector = detect ? try MTCNNDetector() : nil }
        aligner = FaceAligner(size: model.info.inputSize, method: alignment)
    }

    /// The faces of `image` with the model's predictions. `aligned`: the image is already a face
    /// crop (no detection; its central square is used).
    public func recognize(_ image: RGBImage, aligned: Bool = false) throws -> [RecognizedFace] {
        let size = model.info.inputSize
        var detections: [FaceDetection?] = []
        var crops: [RGBImage] = []
        if aligned {
            detections = [nil]; crops = [image.centerSquare(size: size)]
        } else {
            guard let detector else { preconditionFailure("FaceRecognizer: created without a detector, call with aligned: true") }
            let faces = detector.detect(image)
            detections = faces
            crops = faces.map { aligner.align(image, landmarks: $0.landmarks) }
        }
        guard !crops.isEmpty else { return [] }
        let flip = model.info.settings.testTimeFlip
        let inputs = flip ? crops.flatMap { [$0, Augmentation.transform($0, flip: true)] } : crops
        let probabilities = model.probabilities(features: try extractor.features(inputs))
        let views = flip ? 2 : 1
        return crops.indices.map { i in
            let predictions = model.info.tasks.enumerated().map { k, task -> TaskPrediction in
                let c = task.labels.count
                var p = [Float](repeating: 0, count: c)
                for v in 0..<views { for j in 0..<c { p[j] += probabilities[k].scalars[(i * views + v) * c + j] / Float(views) } }
                let best = p.indices.max { p[$0] < p[$1] }!
                return TaskPrediction(task: task.name, label: task.labels[best], probability: p[best])
            }
            return RecognizedFace(detection: detections[i], predictions: predictions)
        }
    }
}
