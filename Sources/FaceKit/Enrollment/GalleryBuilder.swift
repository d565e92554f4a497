import Foundation
import Layers
import MTLNet
import Tensor

/// Builds a model's person gallery from the data it was trained on: prototypes from the training
/// part, threshold calibrated on the validation part (the same split the training used, by its
/// seed and fractions), so that strangers are reported as `unknown`.
public enum GalleryBuilder {
    /// The default target false-accept rate of the unknown-person threshold (faces9 leave-one-out,
    /// docs/training.md: 3 % balances strangers reported unknown against people recognised; the
    /// rate measured on real strangers, lfw10, is lower: 0.3 % before and 1.4 % after an enrolment).
    public static let defaultFalseAcceptRate = 0.03
    /// The default embedding space (see `PersonGallery.Space` and docs/training.md, "Unknown people
    /// and enrolment").
    public static let defaultSpace = PersonGallery.Space.identity

    /// `defaultSpace` when its network's weights are installed, else the head's shared layer.
    public static var availableDefaultSpace: PersonGallery.Space {
        WeightsLocation.path(IdentityFeatures.weightsFile) != nil ? defaultSpace : .shared
    }

    /// Gallery for `model` (trained on `roots` with `faces`), features from `extractor` (through
    /// the feature cache, so after training this costs no backbone run).
    public static func build(model: MultiTaskModel, roots: [String], extractor: FeatureExtractor, faces: FaceSource,
                             cacheDirectory: String?, space: PersonGallery.Space = defaultSpace,
                             falseAcceptRate: Double = defaultFalseAcceptRate, identity: IdentityFeatures? = nil) throws -> PersonGallery {
        let s = model.info.settings
        let dataset = try Dataset(roots: roots)
        let split = DataSplit(dataset: dataset, testFraction: s.testFraction, validationFraction: s.validationFraction, seed: s.seed)
        return try build(model: model, dataset: dataset, split: split, extractor: extractor, faces: faces,
                         cacheDirectory: cacheDirectory, space: space, falseAcceptRate: falseAcceptRate, identity: identity)
    }

    /// As above with the dataset and split at hand (right after `TrainingRun.train`).
    public static func build(model: MultiTaskModel, dataset: Dataset, split: DataSplit, extractor: FeatureExtractor, faces: FaceSource,
                             cacheDirectory: String?, space: PersonGallery.Space = defaultSpace,
                             falseAcceptRate: Double = defaultFalseAcceptRate, identity: IdentityFeatures? = nil) throws -> PersonGallery {
        guard let person = model.info.tasks.firstIndex(where: { $0.name == "person" }),
              let d = dataset.tasks.firstIndex(where: { $0.name == "person" }) else {
            throw GalleryError.noPersonTask
        }
        let names = model.info.tasks[person].labels
        // Dataset label index → model class index (the same names; a person unknown to the model is skipped).
        let toModel = dataset.tasks[d].labels.map { names.firstIndex(of: $0) ?? -1 }
        if space == .identity {
            // Descriptors of the faces as the model saw them: aligned crops stay crops, photos are detected.
            let identity = try identity ?? IdentityFeatures()
            let aligned = faces.key == FaceSources.aligned(size: 1).key
            // Only faces of the model's people (a dataset with partial labels has many others).
            let wanted = (split.train + split.validation).filter { i in
                let y = dataset.samples[i].labels[d]; return y >= 0 && toModel[y] >= 0
            }
            let byPath = try identity.descriptors(of: wanted.map { dataset.samples[$0] }, aligned: aligned,
                                                  cacheDirectory: cacheDirectory, seed: model.info.settings.seed)
            func rows(_ indices: [Int]) -> (Tensor, [Int]) {
                let kept = indices.filter { byPath[dataset.samples[$0].path] != nil }
                let dim = identity.embedder.dimension
                let labels = kept.map { i -> Int in let y = dataset.samples[i].labels[d]; return y < 0 ? -1 : toModel[y] }
                return (Tensor(shape: [kept.count, dim], scalars: kept.flatMap { byPath[dataset.samples[$0].path]! }), labels)
            }
            let (train, trainLabels) = rows(split.train)
            let (validation, validationLabels) = rows(split.validation.isEmpty ? split.train : split.validation)
            return PersonGallery.build(names: names, space: space, train: train, trainLabels: trainLabels,
                                       validation: validation, validationLabels: validationLabels, falseAcceptRate: falseAcceptRate)
        }
        var pipeline = FeaturePipeline(extractor: extractor, cache: try FeatureCache(directory: cacheDirectory),
                                       preprocessingKey: faces.key, seed: model.info.settings.seed, prepareFace: faces.prepare)
        pipeline.cacheFaces = faces.cacheable
        func part(_ indices: [Int]) throws -> (Tensor, [Int]) {
            let out = try pipeline.features(samples: indices.map { dataset.samples[$0] }, tasks: dataset.tasks.count, views: 1)
            let labels = out.set.labels[d].map { $0 < 0 ? -1 : toModel[$0] }
            return (PersonGallery.rawEmbeddings(out.set.features, model: model, space: space), labels)
        }
        let (train, trainLabels) = try part(split.train)
        let (validation, validationLabels) = try part(split.validation.isEmpty ? split.train : split.validation)
        return PersonGallery.build(names: names, space: space, train: train, trainLabels: trainLabels,
                                   validation: validation, validationLabels: validationLabels, falseAcceptRate: falseAcceptRate)
    }
}

public enum GalleryError: Error, CustomStringConvertible {
    case noPersonTask
    case noSuchPerson(String, String)
    public var description: String {
        switch self {
        case .noPersonTask: return "the model has no 'person' task: nobody to recognise or enrol"
        case let .noSuchPerson(name, root): return "\(root): no person folder '\(name)'"
        }
    }
}
