import Foundation
import ImageIO
import Support
import Tensor

/// How faces reach the backbone, shared by training, evaluation and prediction.
public struct FaceSource {
    /// Recorded in the model file and part of cache keys, e.g. `aligned` or `mtcnn-similarity-v1`.
    public let key: String
    /// File path → face crop (`inputSize` square), or nil when the image has no face.
    public let prepare: (String) throws -> RGBImage?
    /// Whether prepared crops are worth caching (a detector run is, a resize is not).
    public let cacheable: Bool

    public init(key: String, cacheable: Bool, prepare: @escaping (String) throws -> RGBImage?) {
        self.key = key; self.cacheable = cacheable; self.prepare = prepare
    }
}

/// `facecli train` as a library call: data → split → cached features → trained head → model
/// (with its held-out test list) and the test metrics.
public enum TrainingRun {
    /// Where a run keeps its per-epoch checkpoint (`TrainingCheckpoint`), and whether it continues
    /// from the one there. Resuming without a checkpoint starts from the first epoch (so a service
    /// can always pass `--resume`); a checkpoint for other data or settings is refused.
    public struct Checkpointing: Sendable {
        public var path: String
        public var resume: Bool

        public init(path: String, resume: Bool) { self.path = path; self.resume = resume }
    }

    public struct Result {
        public var model: MultiTaskModel
        public var test: EvaluationReport
        public var training: Trainer.Result
        public var dataset: Dataset
        public var split: DataSplit
        /// Images without a face (skipped).
        public var skipped: [String]
        public var seconds: (features: Double, training: Double)
    }

    public static func train(roots: [String], tasks: [String]? = nil, extractor: FeatureExtractor, faces: FaceSource,
                             settings: TrainingSettings, augmentation: Augmentation = Augmentation(), cacheDirectory: String?,
                             checkpointing: Checkpointing? = nil,
                             log: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        let dataset = try Dataset(roots: roots, only: tasks)
        let split = DataSplit(dataset: dataset, testFraction: settings.testFraction,
                              validationFraction: settings.validationFraction, seed: settings.seed)
        log("\(dataset.samples.count) images, tasks: " + dataset.tasks.map { "\($0.name) (\($0.labels.count))" }.joined(separator: ", ")
            + "; split \(split.train.count) train / \(split.validation.count) validation / \(split.test.count) test")
        var tail: BackboneTail?
        var source = extractor
        if settings.unfreeze > 0 {
            guard let backbone = extractor as? Backbone else {
                throw FileError(.badData, path: extractor.name, "--unfreeze needs a single-scale backbone (give --input-size N)")
            }
            tail = try BackboneTail(backbone: backbone, blocks: settings.unfreeze)
            source = TapExtractor(backbone: backbone, tail: tail!)
            log("training the last \(settings.unfreeze) block(s) of \(backbone.name) (\(tail!.layers.count) layers after \(tail!.tap)) with the head")
        }
        var pipeline = FeaturePipeline(extractor: source, cache: try FeatureCache(directory: cacheDirectory),
                                       augmentation: augmentation, preprocessingKey: faces.key, seed: settings.seed, prepareFace: faces.prepare)
        pipeline.cacheFaces = faces.cacheable
        let total = dataset.samples.count
        let start = Date()
        func part(_ indices: [Int], views: Int, offset: Int) throws -> FeaturePipeline.Output {
            try pipeline.features(samples: indices.map { dataset.samples[$0] }, tasks: dataset.tasks.count, views: views) { done, _ in
                progress?(offset + done, total)
            }
        }
        let train = try part(split.train, views: settings.augmentViews, offset: 0)
        let validation = try part(split.validation, views: 1, offset: split.train.count)
        let test = try part(split.test, views: settings.testTimeFlip ? 2 : 1, offset: split.train.count + split.validation.count)
        let skipped = train.skipped + validation.skipped + test.skipped
        for path in skipped { log("no face found, skipped: \(path)") }
        let featureSeconds = Date().timeIntervalSince(start)
        log(String(format: "features of %d images × views ready in %.1f s", total, featureSeconds))

        let head = MultiTaskHead(featureCount: extractor.featureCount, hidden: settings.hidden,
                                 classCounts: dataset.tasks.map(\.labels.count), dropout: settings.dropout, seed: settings.seed)
        let names = dataset.tasks.map(\.name)
        let parameters = head.parameters + (tail?.parameters ?? [])
        let dataSHA256 = TrainingCheckpoint.fingerprint(tasks: dataset.tasks, train: train.set, validation: validation.set, testImages: test.hashes)
        var resumed: TrainerState?
        if let checkpointing, checkpointing.resume {
            if FileManager.default.fileExists(atPath: checkpointing.path) {
                let saved = try TrainingCheckpoint(path: checkpointing.path)
                if let why = saved.mismatch(settings: settings, split: split, dataSHA256: dataSHA256, parameters: parameters, rows: train.set.count) {
                    throw FileError(.badData, path: checkpointing.path, why)
                }
                resumed = saved.state
                log("resuming after epoch \(saved.state.epoch) from \(checkpointing.path)")
            } else {
                log("no checkpoint at \(checkpointing.path): training from the first epoch")
            }
        }
        let trainStart = Date()
        let result = try Trainer.fit(head: head, tail: tail, train: train.set, validation: validation.set, settings: settings, resume: resumed,
                                     checkpoint: { state in
                                         guard let checkpointing else { return }
                                         try TrainingCheckpoint(state: state, names: parameters.map(\.name), settings: settings, split: split,
                                                                dataSHA256: dataSHA256).write(to: checkpointing.path)
                                     }) {
            log(Trainer.progressLine($0, tasks: names, maxEpochs: settings.epochs))
        }
        let trainingSeconds = Date().timeIntervalSince(trainStart)
        log("best epoch \(result.bestEpoch) of \(result.history.count)" + (result.stoppedEarly ? " (stopped early)" : ""))

        var info = ModelInfo(
            backbone: .init(name: extractor.name, weightsSHA256: extractor.weightsSHA256, featureCount: extractor.featureCount),
            inputSize: extractor.inputSize, normalization: extractor.normalization, preprocessing: faces.key,
            tasks: dataset.tasks, hidden: settings.hidden, dropout: settings.dropout, settings: settings,
            testSplit: zip(split.test, test.hashes).map { ModelInfo.HeldOut(path: dataset.samples[$0.0].relativePath, sha256: $0.1) },
            history: result.history)
        info.scales = (extractor as? MultiScaleExtractor)?.inputSizes
        info.unfrozen = tail.map { t in
            ModelInfo.Unfrozen(blocks: settings.unfreeze, tap: t.tap, layers: t.layers.map { String($0.weight.name.dropFirst(BackboneTail.prefix.count).dropLast(".weight".count)) })
        }
        let model = MultiTaskModel(info: info, head: head, tail: tail)
        let report = Evaluation.report(model: model, tasks: dataset.tasks, features: test.set, views: settings.testTimeFlip ? 2 : 1)
        return Result(model: model, test: report, training: result, dataset: dataset, split: split, skipped: skipped,
                      seconds: (featureSeconds, trainingSeconds))
    }
}

/// `facecli eval` as a library call.
public enum Evaluation {
    public enum Part: String, Sendable { case test, all }

    /// Metrics of `model` on `features` (see `evaluatedImages`).
    public static func report(model: MultiTaskModel, tasks: [TaskInfo], features: FeatureSet, views: Int) -> EvaluationReport {
        evaluatedImages(model: model, tasks: tasks, features: features, views: views).report
    }

    /// The person task's answers (e.g. open-set) for feature rows `[images·views, f]` of `images`.
    public typealias PersonAnswers = (_ features: Tensor, _ images: [Sample]) throws -> [String]

    /// Evaluates a saved model on `roots`: `part` `.test` keeps only the images the model held out
    /// when it was trained (matched by file content), `.all` every image.
    public static func run(model: MultiTaskModel, modelPath: String, roots: [String], part: Part, extractor: FeatureExtractor,
                           faces: FaceSource, cacheDirectory: String?, personAnswers: PersonAnswers? = nil,
                           log: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationReport {
        try evaluatedImages(model: model, modelPath: modelPath, roots: roots, part: part, extractor: extractor, faces: faces,
                            cacheDirectory: cacheDirectory, personAnswers: personAnswers, log: log, progress: progress).report
    }

    /// `run`, with the truth and prediction of every image kept (for `EvaluationReportFiles`).
    public static func evaluatedImages(model: MultiTaskModel, modelPath: String, roots: [String], part: Part, extractor: FeatureExtractor,
                                       faces: FaceSource, cacheDirectory: String?, personAnswers: PersonAnswers? = nil,
                                       log: (String) -> Void = { _ in },
                                       progress: ((Int, Int) -> Void)? = nil) throws -> EvaluatedImages {
        let extractor = try model.extractor(for: extractor, modelPath: modelPath)
        let names = model.info.tasks.map(\.name)
        let dataset = try Dataset(roots: roots)
        let shared = dataset.tasks.map(\.name).filter { names.contains($0) }
        guard !shared.isEmpty else {
            throw FileError(.badData, path: roots.joined(separator: ", "),
                            "has none of the model's tasks (\(names.joined(separator: ", "))); it has \(dataset.tasks.map(\.name).joined(separator: ", "))")
        }
        var samples = dataset.samples
        if part == .test {
            let heldOut = Set(model.info.testSplit.map(\.sha256))
            samples = try samples.filter { heldOut.contains(try FeaturePipeline.contentHash($0.path)) }
            guard !samples.isEmpty else {
                throw FileError(.badData, path: roots.joined(separator: ", "),
                                "contains none of the \(heldOut.count) images the model held out for testing (use --split all to evaluate every image)")
            }
            log("\(samples.count) of the model's \(heldOut.count) held-out test images found")
        }
        var pipeline = FeaturePipeline(extractor: extractor, cache: try FeatureCache(directory: cacheDirectory),
                                       preprocessingKey: faces.key, seed: model.info.settings.seed, prepareFace: faces.prepare)
        pipeline.cacheFaces = faces.cacheable
        let views = model.info.settings.testTimeFlip ? 2 : 1
        let out = try pipeline.features(samples: samples, tasks: dataset.tasks.count, views: views) { done, total in progress?(done, total) }
        for path in out.skipped { log("no face found, skipped: \(path)") }
        let answers = try personAnswers?(out.set.features, out.kept.map { samples[$0] })
        return evaluatedImages(model: model, tasks: dataset.tasks, features: out.set, views: views, personAnswers: answers.map { a in { _ in a } })
    }
}
