import FaceKit
import Layers
import Foundation
import MTCNN
import MTLNet
import Support
import Tensor

/// `facecli eval --model M --data DIR`: accuracy, precision, recall, F1 and confusion matrix per task.
enum EvalCommand: Command {
    static let name = "eval"
    static let summary = "Evaluate a trained model on a labelled dataset (accuracy, precision, recall, F1, confusion)."
    static let discussion = """
        --split test (the default) evaluates only the images the model held out when it was trained
        (recognised by file content, wherever they are now); --split all every image of the data.
        Precision, recall and F1 are macro averages over the classes present; per-class values and
        the confusion matrix (rows: truth, columns: prediction) follow.
        --report DIR also writes into DIR (created if needed) report.md and report.json (the
        metrics and the accuracy of every task by the true class of every other task, e.g. person
        accuracy per ethnicity), confusion_<task>.png, accuracy_<task>_by_<task>.png and
        curves.png (loss and accuracy per task and epoch, and the learning rate, from the history
        the model file keeps; a model without one says so in the report).
        A model with a person gallery answers "unknown" for the person task as 'predict' does (an
        extra column of the confusion matrix); --closed-set scores the head's answers alone.
        """
    static let options: [OptionSpec] = [
        .value("model", "path", help: "Trained model (.fcw) written by 'facecli train'.", default: "Weights/" + WeightsLocation.defaultModel),
        .repeatable("data", "dir", help: "Dataset folder (repeatable; DATA positionals work too)."),
        .flag("aligned", help: "Images are already aligned face crops: resize only, no detection."),
        .value("split", "part", help: "test or all.", default: "test"),
        .flag("json", help: "Print the metrics as JSON."),
        .value("report", "dir", help: "Also write a report (Markdown, JSON, PNG charts) into this folder."),
        .value("cache", "dir", help: "Cache folder for faces and features.", default: "$XDG_CACHE_HOME/facecli or ~/.cache/facecli"),
        .flag("no-cache", help: "Do not read or write the cache."),
        .flag("closed-set", help: "Person task: the head's answer only, never 'unknown'."),
        UnknownThresholdOption.spec,
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("data", help: "Dataset folders (same layouts as 'train').", optional: true, variadic: true)]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let roots = arguments.allValues("data") + arguments.positionals
        guard !roots.isEmpty else { throw arguments.usageError("give at least one dataset folder (--data DIR)") }
        let part = Evaluation.Part(rawValue: try arguments.choice("split", from: ["test", "all"], default: "test")!)!
        let modelPath = try arguments.value("model") ?? WeightsLocation.require(
            WeightsLocation.defaultModel, what: "the default model", howToGet: "pass --model")
        let file = try WeightFile(path: modelPath)
        let model = try MultiTaskModel(file: file)
        let backbone = try WeightsLocation.extractor(for: model.info)
        let faces = try ModelCommandSupport.faces(arguments, size: model.info.inputSize)
        let cache = arguments.flag("no-cache") ? nil : CacheLocation.folder(arguments.value("cache"))
        var personAnswers: Evaluation.PersonAnswers?
        if !arguments.flag("closed-set") {
            let gallery = try PersonGallery(file: file)
            let classifier = try OpenSetClassifier(model: model, gallery: gallery, modelPath: modelPath, extractor: backbone,
                                                   identity: gallery?.space == .identity ? try IdentityFeatures() : nil)
            try UnknownThresholdOption.apply(arguments, to: classifier)
            if classifier.gallery != nil && classifier.personTask != nil {
                let views = model.info.settings.testTimeFlip ? 2 : 1
                personAnswers = { features, images in
                    guard let identity = classifier.identity else { return classifier.personAnswers(features: features, views: views) }
                    // Identity descriptors of the same images, faces prepared as the model's were.
                    let byPath = try identity.descriptors(of: images, aligned: faces.key == FaceSources.aligned(size: 1).key,
                                                          cacheDirectory: cache, seed: model.info.settings.seed)
                    return classifier.personAnswers(features: features, views: views, descriptors: try identity.rows(byPath, of: images))
                }
            }
        }
        let bar = ProgressBar(label: "preparing faces and features")
        let images = try Evaluation.evaluatedImages(model: model, modelPath: modelPath, roots: roots, part: part, extractor: backbone, faces: faces,
                                                    cacheDirectory: cache,
                                                    personAnswers: personAnswers, log: { bar.finish(); Console.standardError($0) }, progress: bar.update)
        bar.finish()
        let report = images.report
        if let folder = arguments.value("report") {
            let files = try EvaluationReportFiles.write(to: folder, images: images, info: model.info,
                                                        context: .init(modelPath: modelPath, dataRoots: roots, split: part.rawValue))
            Console.standardError("report written to \(folder): \(files.joined(separator: ", "))")
            if let problem = EvaluationReportFiles.historyProblem(model.info) { Console.standardError("training curves unavailable: \(problem)") }
        }
        print(arguments.flag("json") ? report.json() : report.text(taskOrder: model.info.tasks.map(\.name)), terminator: arguments.flag("json") ? "\n" : "")
        return .ok
    }
}
