import Foundation
import Layers
import MTLNet
import Support
import Tensor

/// Open-set identification for the person task: one prototype (the L2-normalised mean embedding
/// of a person's faces) per known person, a face being that person when its embedding's cosine
/// similarity to the nearest prototype reaches `threshold`, and `unknown` otherwise.
///
/// Embeddings come from the trained model (see `Space`), centred on the training data's mean and
/// L2-normalised, so new people can be added from a few photos without retraining anything.
/// Stored in the model file beside the head: metadata key `open_set` and tensors
/// `open_set.prototypes` `[people, dim]` and `open_set.mean` `[dim]`.
public struct PersonGallery: Equatable, Sendable {
    public static let metadataKey = "open_set"
    public static let unknownLabel = "unknown"

    /// Which vector of the model is a face's embedding.
    public enum Space: String, Codable, Sendable, CaseIterable {
        /// The head's shared layer after ReLU (`hidden`, 128 by default): trained to tell the
        /// training people apart.
        case shared
        /// The shared layer before its ReLU (negative evidence kept).
        case sharedLinear = "shared-linear"
        /// The frozen backbone's features (1024 for MobileNet): generic, not fitted to anyone.
        case features
        /// A face-identity descriptor (`FaceEmbedder`, 128 values) of the face aligned as its
        /// network expects (`IdentityFeatures`), compared raw (not centred, not scaled): trained on
        /// thousands of people, it tells apart people nobody trained facecli on.
        case identity
    }

    public struct Person: Codable, Equatable, Sendable {
        public var name: String
        /// Faces averaged into the prototype (to merge more photos later).
        public var count: Int
        /// Added by `facecli enroll` rather than learned by the head.
        public var enrolled: Bool
        /// An enrolled person's own threshold (see `enroll`); nil: the gallery's.
        public var threshold: Float?

        public init(name: String, count: Int, enrolled: Bool, threshold: Float? = nil) {
            self.name = name; self.count = count; self.enrolled = enrolled; self.threshold = threshold
        }
    }

    /// How the threshold was chosen, for reports.
    public struct Calibration: Codable, Equatable, Sendable {
        /// Target share of strangers accepted as someone, on the calibration data.
        public var falseAcceptRate: Double
        /// Share of known validation faces whose best match is below the threshold.
        public var falseRejectRate: Double
        /// Validation faces used; impostor trials are each face against the other people only.
        public var faces: Int
        public var method: String
    }

    public var space: Space
    public var threshold: Float
    public var calibration: Calibration?
    public var people: [Person]
    /// `[people.count][dim]`, unit length.
    public var prototypes: [[Float]]
    /// Subtracted from raw embeddings before normalising (`[dim]`).
    public var mean: [Float]
    /// Multiplies each centred value (`[dim]`): 1 / the within-person standard deviation of that
    /// value in the training data (diagonal within-class covariance normalisation), so that values
    /// that vary within one person (pose, light) weigh less than values that differ between people.
    public var scale: [Float]
    /// Trained classes taken out with `enroll --remove` (the head still has them; they are
    /// reported as unknown).
    public var removed: [String]
    /// Faces of known people (normalised embeddings, `[faces][dim]`) and whose they are: the
    /// validation faces of the trained people and every enrolled face. An enrolled person's
    /// threshold is calibrated on the others' faces (`enroll`).
    public var knownFaces: [[Float]] = []
    public var knownFaceNames: [String] = []

    public var dimension: Int { mean.count }

    // MARK: - Embeddings

    /// Raw embeddings `[N, dim]` of features `[N, featureCount]` in `space`. In the `identity`
    /// space the rows are already the descriptors (`IdentityFeatures`) and are returned as they are.
    public static func rawEmbeddings(_ features: Tensor, model: MultiTaskModel, space: Space) -> Tensor {
        // With trained backbone blocks the rows are their input maps: run the blocks first.
        let tailed = { model.tail.map { $0(features) } ?? features }
        switch space {
        case .identity: return features
        case .features: return tailed()
        case .shared:
            return model.withExclusiveHead { head in
                head.training = false
                return head.relu(head.shared(tailed()))   // [N, hidden]
            }
        case .sharedLinear:
            return model.withExclusiveHead { head in
                head.training = false
                return head.shared(tailed())              // [N, hidden]
            }
        }
    }

    /// Centred, unit-length embedding of one raw row.
    public func normalise(_ raw: ArraySlice<Float>) -> [Float] {
        var v = zip(raw, mean).map { $0 - $1 }
        for j in v.indices { v[j] *= scale[j] }
        return PersonGallery.unit(v)
    }

    static func unit(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    /// Cosine similarity to every prototype.
    public func similarities(_ embedding: [Float]) -> [Float] { prototypes.map { PersonGallery.dot($0, embedding) } }

    /// The nearest person and the similarity, or nil (unknown) below that person's threshold (an
    /// enrolled person's own, else the gallery's; `override` replaces both).
    public func identify(_ embedding: [Float], threshold override: Float? = nil) -> (person: Int, similarity: Float)? {
        let sims = similarities(embedding)
        guard let best = sims.indices.max(by: { sims[$0] < sims[$1] }) else { return nil }
        guard sims[best] >= (override ?? people[best].threshold ?? threshold), !removed.contains(people[best].name) else { return nil }
        return (best, sims[best])
    }

    // MARK: - Building and calibrating

    /// Prototypes of the training people from training embeddings (raw rows, `labels[i]` = class,
    /// −1 skipped), threshold from validation embeddings for `falseAcceptRate`.
    ///
    /// Calibration without strangers: each validation face is scored as a stranger would be, by a
    /// gallery built without its own person (prototypes *and* centring mean from the other people
    /// only; centring on a mean that includes the person would make them look unlike everyone
    /// else and set the threshold too low). The threshold is the smallest value that at most
    /// `falseAcceptRate` of these impostor trials reach.
    public static func build(names: [String], space: Space, train: Tensor, trainLabels: [Int],
                             validation: Tensor, validationLabels: [Int], falseAcceptRate: Double) -> PersonGallery {
        precondition(train.shape[0] == trainLabels.count && validation.shape[0] == validationLabels.count, "PersonGallery.build: one label per row")
        precondition((0...1).contains(falseAcceptRate), "PersonGallery.build: false-accept rate in 0…1")
        let full = fitted(names: names, space: space, train: train, labels: trainLabels, without: nil)
        var gallery = full
        let dim = validation.shape[1]
        var impostor = [Float](), genuine = [Float]()
        for k in Set(validationLabels.filter { $0 >= 0 }).sorted() {
            let others = fitted(names: names, space: space, train: train, labels: trainLabels, without: k)
            for r in validationLabels.indices where validationLabels[r] == k {
                let row = validation.scalars[(r * dim)..<((r + 1) * dim)]
                genuine.append(full.similarities(full.normalise(row)).max() ?? -1)
                let sims = others.similarities(others.normalise(row))
                impostor.append(sims.enumerated().filter { $0.offset != k }.map(\.element).max() ?? -1)
            }
        }
        gallery.threshold = impostor.isEmpty ? 0.5 : threshold(impostor, falseAcceptRate: falseAcceptRate)
        for r in validationLabels.indices where validationLabels[r] >= 0 {
            gallery.knownFaces.append(full.normalise(validation.scalars[(r * dim)..<((r + 1) * dim)]))
            gallery.knownFaceNames.append(names[validationLabels[r]])
        }
        gallery.calibration = Calibration(falseAcceptRate: falseAcceptRate,
                                          falseRejectRate: genuine.isEmpty ? 0 : Double(genuine.filter { $0 < gallery.threshold }.count) / Double(genuine.count),
                                          faces: genuine.count, method: "each validation face against a gallery of the other people (prototypes and centring without its own person)")
        return gallery
    }

    /// The smallest similarity that at most ⌊rate·n⌋ of the impostor trials reach (just above the next one).
    static func threshold(_ impostor: [Float], falseAcceptRate: Double) -> Float {
        let sorted = impostor.sorted()
        let allowed = Int((falseAcceptRate * Double(sorted.count)).rounded(.down))
        return allowed >= sorted.count ? -1 : sorted[sorted.count - 1 - allowed].nextUp
    }

    /// Mean and prototypes from training rows, leaving class `without` out (its prototype stays zero).
    static func fitted(names: [String], space: Space, train: Tensor, labels: [Int], without: Int?) -> PersonGallery {
        let dim = train.shape[1]
        let rows = labels.indices.filter { labels[$0] >= 0 && labels[$0] != without }
        // The identity space is compared raw, as dlib compares its descriptors: centring or scaling
        // on the few training people would fit it to them.
        let (mean, scale) = space == .identity
            ? ([Float](repeating: 0, count: dim), [Float](repeating: 1, count: dim))
            : centring(names: names, train: train, labels: labels, rows: rows)
        var gallery = PersonGallery(space: space, threshold: 0, calibration: nil,
                                    people: names.map { Person(name: $0, count: 0, enrolled: false) },
                                    prototypes: names.map { _ in [Float](repeating: 0, count: dim) }, mean: mean, scale: scale, removed: [])
        for r in rows {
            let e = gallery.normalise(train.scalars[(r * dim)..<((r + 1) * dim)])
            let c = labels[r]
            for j in 0..<dim { gallery.prototypes[c][j] += e[j] }
            gallery.people[c].count += 1
        }
        gallery.prototypes = gallery.prototypes.map(unit)
        return gallery
    }

    /// Mean of `rows` and 1 / the within-person standard deviation of each value.
    static func centring(names: [String], train: Tensor, labels: [Int], rows: [Int]) -> (mean: [Float], scale: [Float]) {
        let dim = train.shape[1]
        var mean = [Float](repeating: 0, count: dim)
        for r in rows { for j in 0..<dim { mean[j] += train.scalars[r * dim + j] } }
        mean = mean.map { $0 / Float(max(rows.count, 1)) }
        // Within-person variance of each value, around each person's own mean.
        var classMean = [[Float]](repeating: [Float](repeating: 0, count: dim), count: names.count)
        var classCount = [Float](repeating: 0, count: names.count)
        for r in rows {
            classCount[labels[r]] += 1
            for j in 0..<dim { classMean[labels[r]][j] += train.scalars[r * dim + j] }
        }
        for c in names.indices where classCount[c] > 0 { classMean[c] = classMean[c].map { $0 / classCount[c] } }
        var variance = [Float](repeating: 0, count: dim)
        for r in rows {
            for j in 0..<dim { let d = train.scalars[r * dim + j] - classMean[labels[r]][j]; variance[j] += d * d }
        }
        variance = variance.map { $0 / Float(max(rows.count, 1)) }
        let floor = max(variance.reduce(0, +) / Float(dim) * 0.05, 1e-12)   // values that never vary must not dominate
        return (mean, variance.map { 1 / ($0 + floor).squareRoot() })
    }

    // MARK: - Enrolment

    /// Adds `embeddings` (raw rows `[N, dim]`) to person `name`: a new prototype, or merged into
    /// the existing one (weighted by face counts). A removed trained person comes back.
    ///
    /// An enrolled person gets their own threshold, calibrated as the gallery's was: the smallest
    /// similarity to their prototype that at most the calibration's false-accept rate of the other
    /// known faces reach (the gallery's threshold while fewer than `minimumKnownFaces` are known;
    /// never more than `enrolledThresholdFloor` below the gallery's).
    /// A prototype of a few photos is less central than one of a hundred, so their own faces reach
    /// it less often than the gallery's threshold assumes (`enroll --leave-one-out` on faces9: 82.1
    /// → 94.3 % of the left-out person recognised after enrolling 10, known people unchanged; lfw10
    /// strangers taken for someone after the enrolment 1.3 %).
    public mutating func enroll(_ name: String, embeddings raw: Tensor) {
        precondition(raw.shape.count == 2 && raw.shape[1] == dimension && raw.shape[0] > 0, "PersonGallery.enroll: embeddings [N, \(dimension)] expected, got \(raw.shape)")
        let n = raw.shape[0], dim = dimension
        var sum = [Float](repeating: 0, count: dim)
        let faces = (0..<n).map { r in normalise(raw.scalars[(r * dim)..<((r + 1) * dim)]) }
        for e in faces { for j in 0..<dim { sum[j] += e[j] } }
        removed.removeAll { $0 == name }
        if let k = people.firstIndex(where: { $0.name == name }) {
            let old = Float(people[k].count)
            prototypes[k] = PersonGallery.unit((0..<dim).map { prototypes[k][$0] * old + sum[$0] })
            people[k].count += n
        } else {
            people.append(Person(name: name, count: n, enrolled: true))
            prototypes.append(PersonGallery.unit(sum))
        }
        let k = people.firstIndex { $0.name == name }!
        let others = zip(knownFaces, knownFaceNames).filter { $0.1 != name }.map { PersonGallery.dot($0.0, prototypes[k]) }
        if people[k].enrolled && others.count >= PersonGallery.minimumKnownFaces {
            let rate = calibration?.falseAcceptRate ?? GalleryBuilder.defaultFalseAcceptRate
            people[k].threshold = max(PersonGallery.threshold(others, falseAcceptRate: rate), threshold - PersonGallery.enrolledThresholdFloor)
        }
        knownFaces += faces
        knownFaceNames += Array(repeating: name, count: n)
    }

    /// Known faces needed to calibrate an enrolled person's own threshold.
    public static let minimumKnownFaces = 20
    /// How far an enrolled person's own threshold may go below the gallery's: known faces unlike
    /// the newcomer (an older man among young actresses) would otherwise leave them a threshold
    /// strangers like them pass (`enroll --leave-one-out ../shared/data/faces9 --strangers
    /// ../shared/data/lfw10`: recognised unchanged, strangers taken for someone after an enrolment
    /// 1.8 → 1.4 %).
    public static let enrolledThresholdFloor: Float = 0.03

    /// Takes `name` out: an enrolled person is deleted; a trained person is marked removed.
    /// Returns false when there is no such person.
    @discardableResult
    public mutating func remove(_ name: String) -> Bool {
        guard let k = people.firstIndex(where: { $0.name == name }) else { return false }
        if people[k].enrolled {
            people.remove(at: k); prototypes.remove(at: k)
            let kept = knownFaceNames.indices.filter { knownFaceNames[$0] != name }
            knownFaces = kept.map { knownFaces[$0] }; knownFaceNames = kept.map { knownFaceNames[$0] }
        } else if !removed.contains(name) {
            removed.append(name)
        }
        return true
    }
}
