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
/// A gallery in the `identity` space (the default for new models) also needs each face's identity
/// chip (`chips(_:faces:)`, `identity.chip(alignedCrop:)`): its descriptor, not the backbone's
/// features, decides who the face is.
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
    /// The identity network, loaded when the gallery is in the `identity` space.
    public var identity: IdentityFeatures?
    var usesIdentity: Bool { gallery?.space == .identity }

    public var tasks: [TaskInfo] { model.info.tasks }
    public var inputSize: Int { model.info.inputSize }

    /// Loads the model, its gallery and the backbone it was trained on (from `Weights/`, unless given).
    /// `detector`: finds landmarks in aligned crops for an `identity` gallery (one is loaded if nil).
    public convenience init(modelPath: String, extractor: FeatureExtractor? = nil, detector: MTCNNDetector? = nil) throws {
        let file = try WeightFile(path: modelPath)   // read and checksummed once for model and gallery
        let gallery = try PersonGallery(file: file)
        try self.init(model: MultiTaskModel(file: file), gallery: gallery, modelPath: modelPath, extractor: extractor,
                      identity: gallery?.space == .identity ? try IdentityFeatures(detector: detector) : nil)
    }

    /// Runs every network once on blank input: buffers and plans are made before a clock starts.
    public func warmUp() throws {
        let blank = { (s: Int) in RGBImage(width: s, height: s, pixels: [UInt8](repeating: 0, count: s * s * 3)) }
        _ = try scores([blank(inputSize)], chips: usesIdentity ? [blank(FaceEmbedder.chipSize)] : nil)
    }

    /// A model already loaded (shared with the caller) and its gallery.
    public init(model: MultiTaskModel, gallery: PersonGallery?, modelPath: String, extractor: FeatureExtractor? = nil,
                identity: IdentityFeatures? = nil) throws {
        self.modelPath = modelPath
        self.model = model
        self.gallery = gallery
        let e = try extractor ?? WeightsLocation.extractor(for: model.info)
        self.extractor = try model.extractor(for: e, modelPath: modelPath)   // with the model's trained blocks, if any
        personTask = model.info.tasks.firstIndex { $0.name == "person" }
        testTimeFlip = model.info.settings.testTimeFlip
        if gallery?.space == .identity { self.identity = try identity ?? IdentityFeatures() }
    }

    /// Per face: the probabilities per task `[task][class]` followed by the gallery embedding (raw,
    /// `[dim]`) as one more row when there is a gallery. Rows are what `LabelSmoother` averages.
    /// With the model's test-time flip, both rows are the means over the face and its mirror image.
    /// `chips`: the faces' identity chips, one per face (needed by an `identity` gallery; without
    /// them the head answers for the person task).
    public func scores(_ faces: [RGBImage], chips: [RGBImage]? = nil) throws -> [[[Float]]] {
        if faces.isEmpty { return [] }
        let views = testTimeFlip ? 2 : 1
        let inputs = views == 2 ? faces.flatMap { [$0, Augmentation.transform($0, flip: true)] } : faces
        precondition(chips == nil || chips!.count == faces.count, "OpenSetClassifier.scores: one chip per face")
        var descriptors: Tensor?   // [N, dim]
        if let chips, usesIdentity, let identity { descriptors = try identity.descriptors(chips, mirror: testTimeFlip) }
        return scores(features: try extractor.features(inputs), views: views, descriptors: descriptors)   // features [N·views, featureCount]
    }

    /// `scores` from feature rows `[images·views, featureCount]` of what `extractor` computes,
    /// `views` consecutive rows per image (averaged), and for an `identity` gallery the images'
    /// descriptors `[images, dim]`.
    public func scores(features: Tensor, views: Int, descriptors: Tensor? = nil) -> [[[Float]]] {
        let probs = model.probabilities(features: features)                // [task] [N·views, classes]
        let raw: (rows: Tensor, views: Int)?                               // [N·views, dim] or [N, dim]
        if usesIdentity {
            raw = descriptors.map { ($0, 1) }
        } else {
            raw = gallery.map { (PersonGallery.rawEmbeddings(features, model: model, space: $0.space), views) }
        }
        func mean(_ t: Tensor, _ i: Int, _ views: Int) -> [Float] {
            let c = t.shape[1]
            var row = [Float](repeating: 0, count: c)
            for v in 0..<views { for j in 0..<c { row[j] += t.scalars[(i * views + v) * c + j] / Float(views) } }
            return row
        }
        return (0..<(features.shape[0] / views)).map { i in
            probs.map { mean($0, i, views) } + (raw.map { [mean($0.rows, i, $0.views)] } ?? [])
        }
    }

    /// The person task's open-set answer (a person or `unknown`) per image, from feature rows as
    /// `scores(features:views:descriptors:)` takes them. What `facecli eval` reports for the person task.
    public func personAnswers(features: Tensor, views: Int, descriptors: Tensor? = nil) -> [String] {
        guard let personTask else { return [] }
        return scores(features: features, views: views, descriptors: descriptors).map { predictions($0)[personTask].label }
    }

    /// The answer per task from one face's `scores` row set (possibly averaged over frames).
    ///
    /// Person task with an `identity` gallery: the nearest person if the similarity reaches their
    /// threshold, else `unknown`; probability: the logistic of 100 × (similarity − threshold) for
    /// the person, one minus it for `unknown`.
    ///
    /// Other galleries: below the threshold → `unknown` (probability: 1 − the best similarity,
    /// floored at 0); nearest an enrolled person → that person (probability: softmax of
    /// 10·similarity over the gallery); nearest a trained person → the head's answer, whose
    /// accuracy on the trained people enrolment leaves as it was.
    public func predictions(_ scores: [[Float]]) -> [TaskPrediction] {
        tasks.enumerated().map { t, task in
            let p = scores[t]
            let best = p.indices.max { p[$0] < p[$1] }!
            var answer = TaskPrediction(task: task.name, label: task.labels[best], probability: p[best])
            guard t == personTask, let gallery, scores.count > tasks.count else { return answer }
            let embedding = gallery.normalise(scores[tasks.count][...])
            let sims = gallery.similarities(embedding)
            if gallery.space == .identity {
                // Descriptor similarities are compressed (strangers ~0.85–0.93, the same person
                // ~0.95–0.98): the probability is a logistic of the margin to the threshold that applies.
                guard let nearest = sims.indices.max(by: { sims[$0] < sims[$1] }) else { return answer }
                let t = unknownThreshold ?? gallery.people[nearest].threshold ?? gallery.threshold
                let match = 1 / (1 + Foundation.exp(-100 * (sims[nearest] - t)))
                if let (k, _) = gallery.identify(embedding, threshold: unknownThreshold) {
                    answer.label = gallery.people[k].name; answer.probability = match
                } else {
                    answer.label = PersonGallery.unknownLabel; answer.probability = 1 - match
                }
                return answer
            }
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

    /// Identity chips of `faces` in `image` when the gallery needs them (nil otherwise).
    public func chips(_ image: RGBImage, faces: [FaceDetection]) -> [RGBImage]? {
        guard usesIdentity, let identity else { return nil }
        return faces.map { identity.chip(image, landmarks: $0.landmarks) }
    }

    /// The identity chip of an aligned face crop when the gallery needs it (nil otherwise).
    public func chip(alignedCrop image: RGBImage) -> RGBImage? {
        guard usesIdentity, let identity else { return nil }
        return identity.chip(alignedCrop: image)
    }
}
