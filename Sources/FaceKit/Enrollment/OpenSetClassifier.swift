import Foundation
import ImageIO
import Layers
import MTCNN
import MTLNet
import Tensor

/// A trained model with its person gallery, as prediction uses it: aligned face crops →
/// backbone features → head probabilities per task, and for the person task the open-set
/// decision (a trained person, an enrolled person, or `unknown`).
///
/// Thread safety: `scores`, `predictions` and `crops` may be called from several threads at once
/// (the backbone and the model serialise their own calls, see `MultiTaskModel`); set `gallery`
/// and `unknownThreshold` before sharing the classifier, not while other threads predict.
public final class OpenSetClassifier {
    public let modelPath: String
    public let model: MultiTaskModel
    public let extractor: FeatureExtractor
    public var gallery: PersonGallery?
    /// Overrides the gallery's calibrated threshold (`--unknown-threshold`).
    public var unknownThreshold: Float?
    /// Average each face with its mirror image (the model's setting by default). `watch` turns it
    /// off: it already averages the answers over the frames of a track, at half the cost.
    public var testTimeFlip: Bool
    /// Index of the `person` task, if the model has one.
    public let personTask: Int?

    public var tasks: [TaskInfo] { model.info.tasks }
    public var inputSize: Int { model.info.inputSize }

    /// Loads the model, its gallery and the backbone it was trained on (from `Weights/`, unless given).
    public convenience init(modelPath: String, extractor: FeatureExtractor? = nil) throws {
        let file = try WeightFile(path: modelPath)   // read and checksummed once for model and gallery
        try self.init(model: MultiTaskModel(file: file), gallery: PersonGallery(file: file), modelPath: modelPath, extractor: extractor)
    }

    /// A model already loaded (shared with the caller) and its gallery.
    public init(model: MultiTaskModel, gallery: PersonGallery?, modelPath: String, extractor: FeatureExtractor? = nil) throws {
        self.modelPath = modelPath
        self.model = model
        self.gallery = gallery
        let e = try extractor ?? WeightsLocation.extractor(for: model.info)
        self.extractor = try model.extractor(for: e, modelPath: modelPath)   // with the model's trained blocks, if any
        personTask = model.info.tasks.firstIndex { $0.name == "person" }
        testTimeFlip = model.info.settings.testTimeFlip
    }

    /// Per face: the probabilities per task `[task][class]` followed by the gallery embedding (raw,
    /// `[dim]`) as one more row when there is a gallery. Rows are what `LabelSmoother` averages.
    /// With the model's test-time flip, both rows are the means over the face and its mirror image.
    public func scores(_ faces: [RGBImage]) throws -> [[[Float]]] {
        if faces.isEmpty { return [] }
        let views = testTimeFlip ? 2 : 1
        let inputs = views == 2 ? faces.flatMap { [$0, Augmentation.transform($0, flip: true)] } : faces
        return scores(features: try extractor.features(inputs), views: views)   // features [N·views, featureCount]
    }

    /// `scores` from feature rows `[images·views, featureCount]` of what `extractor` computes,
    /// `views` consecutive rows per image (averaged).
    public func scores(features: Tensor, views: Int) -> [[[Float]]] {
        let probs = model.probabilities(features: features)                // [task] [N·views, classes]
        let raw = gallery.map { PersonGallery.rawEmbeddings(features, model: model, space: $0.space) }   // [N·views, dim]
        func mean(_ t: Tensor, _ i: Int) -> [Float] {
            let c = t.shape[1]
            var row = [Float](repeating: 0, count: c)
            for v in 0..<views { for j in 0..<c { row[j] += t.scalars[(i * views + v) * c + j] / Float(views) } }
            return row
        }
        return (0..<(features.shape[0] / views)).map { i in probs.map { mean($0, i) } + (raw.map { [mean($0, i)] } ?? []) }
    }

    /// The person task's open-set answer (a person or `unknown`) per image, from feature rows as
    /// `scores(features:views:)` takes them. What `facecli eval` reports for the person task.
    public func personAnswers(features: Tensor, views: Int) -> [String] {
        guard let personTask else { return [] }
        return scores(features: features, views: views).map { predictions($0)[personTask].label }
    }

    /// The answer per task from one face's `scores` row set (possibly averaged over frames).
    ///
    /// Person task with a gallery: below the threshold → `unknown` (probability: 1 − the best
    /// similarity, floored at 0); nearest an enrolled person →
    /// that person (probability: softmax of 10·similarity over the gallery); nearest a trained
    /// person → the head's answer, whose accuracy on the trained people enrolment leaves as it was.
    public func predictions(_ scores: [[Float]]) -> [TaskPrediction] {
        tasks.enumerated().map { t, task in
            let p = scores[t]
            let best = p.indices.max { p[$0] < p[$1] }!
            var answer = TaskPrediction(task: task.name, label: task.labels[best], probability: p[best])
            guard t == personTask, let gallery, scores.count > tasks.count else { return answer }
            let embedding = gallery.normalise(scores[tasks.count][...])
            let sims = gallery.similarities(embedding)
            guard let (k, s) = gallery.identify(embedding, threshold: unknownThreshold) else {
                answer.label = PersonGallery.unknownLabel
                answer.probability = 1 - (sims.max().map { max(0, $0) } ?? 0)
                return answer
            }
            if gallery.people[k].enrolled || gallery.removed.contains(answer.label) {
                let e = sims.map { Foundation.exp(10 * ($0 - s)) }
                answer.label = gallery.people[k].name
                answer.probability = 1 / e.reduce(0, +)
            }
            return answer
        }
    }

    /// Aligned crops of `faces` in `image`, as the backbone expects them.
    public func crops(_ image: RGBImage, faces: [FaceDetection]) -> [RGBImage] {
        let aligner = FaceAligner(size: inputSize)
        return faces.map { aligner.align(image, landmarks: $0.landmarks) }
    }
}
