import FaceKit
import Foundation
import MTLNet
import Support

/// `facecli train --data DIR…`: trains the multi-task heads on a frozen backbone.
enum TrainCommand: Command {
    static let name = "train"
    static let summary = "Train multi-task heads (person, age group, ethnicity, …) on a dataset."
    static let discussion = """
        DATA is an identity-folder dataset (DATA/<identity>/*.jpg, optional DATA/attributes.csv) or a
        folder with labels.csv (a path column and one column per task; an empty cell is a missing
        label). Several folders combine; tasks are the union of their columns. The data is split
        70/30 (stratified, by seed); the model file records the held-out images ('facecli eval
        --split test'). Early stopping and learning-rate decisions use a validation part of the 70 %.
        Faces and backbone features are cached (--cache), so a second run skips that work.
        After every epoch the state of the run is saved to OUT.checkpoint (atomically); after a
        crash or kill, the same command with --resume continues from there to the same model as an
        uninterrupted run. The checkpoint is deleted once OUT is written; OUT itself is only ever
        replaced whole (an interrupted run leaves the previous model untouched).
        --preset paper reproduces the paper's schedule exactly (Adam 1e-4, batch 32, ≤100 epochs,
        patience 3 on accuracy, LR ×0.5 on plateau, no augmentation); the defaults are the best
        settings found for a Pi (see README).
        """
    static let options: [OptionSpec] = [
        .repeatable("data", "dir", help: "Dataset folder (repeatable; DATA positionals work too)."),
        .value("backbone", "name", help: "mobilenet, mobilenetv2 or inceptionv3.", default: "mobilenet"),
        .value("out", "path", help: "Where to write the trained model (.fcw).", default: "model.fcw"),
        .flag("aligned", help: "Images are already aligned face crops: resize only, no detection."),
        .value("tasks", "a,b", help: "Only these tasks (columns), in this order.", default: "all"),
        .value("preset", "name", help: "default or paper.", default: "default"),
        .value("epochs", "n", help: "Maximum number of epochs.", default: "100"),
        .value("batch", "n", help: "Images per batch.", default: "32"),
        .value("lr", "x", help: "Initial learning rate of Adam.", default: "preset"),
        .value("patience", "n", help: "Early stopping: epochs without improvement.", default: "preset"),
        .value("seed", "n", help: "Seed of the split, initialisation, shuffling and augmentation.", default: "1"),
        .value("test-split", "f", help: "Share of each class held out for testing.", default: "0.3"),
        .value("augment", "k", help: "Views per training image (1 = none, 2 = + mirror, more = random).", default: "preset"),
        .value("dropout", "f", help: "Dropout rate after the shared layer.", default: "0.5"),
        .value("input-size", "px", help: "Side of the face crop given to the backbone (the paper: 128).", default: "preset"),
        .value("scales", "a,b", help: "Run the backbone at these input sizes and join their features.", default: "preset: 224 (paper: 128)"),
        .value("hidden", "n", help: "Units of the shared layer.", default: "preset"),
        .value("label-smoothing", "e", help: "Label smoothing of the training loss (0 = none).", default: "preset"),
        .flag("no-tta", help: "Do not average predictions with the mirrored face."),
        .value("unfreeze", "n", help: "Also train the last N backbone blocks (mobilenet, mobilenetv2, inceptionv3).", default: "preset"),
        .value("cache", "dir", help: "Cache folder for faces and features.", default: "$XDG_CACHE_HOME/facecli or ~/.cache/facecli"),
        .flag("no-cache", help: "Do not read or write the cache."),
        .flag("json", help: "Print the test-split metrics as JSON."),
        .flag("resume", help: "Continue from OUT.checkpoint (same data and options; starts afresh when there is none)."),
    ]
    static let positionals = [PositionalSpec("data", help: "Dataset folders.", optional: true, variadic: true)]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let roots = arguments.allValues("data") + arguments.positionals
        guard !roots.isEmpty else { throw arguments.usageError("give at least one dataset folder (--data DIR)") }
        var settings: TrainingSettings
        switch try arguments.choice("preset", from: ["default", "paper"], default: "default") {
        case "paper": settings = .paper
        default: settings = .standard
        }
        settings.epochs = try arguments.int("epochs", default: settings.epochs, in: 1...100_000)
        settings.batchSize = try arguments.int("batch", default: settings.batchSize, in: 1...100_000)
        settings.learningRate = Float(try arguments.double("lr", default: Double(settings.learningRate), in: 1e-9...10))
        settings.patience = try arguments.int("patience", default: settings.patience, in: 1...100_000)
        settings.seed = UInt64(try arguments.int("seed", default: Int(settings.seed), in: 0...Int.max))
        settings.testFraction = try arguments.double("test-split", default: settings.testFraction, in: 0...0.9)
        settings.augmentViews = try arguments.int("augment", default: settings.augmentViews, in: 1...64)
        settings.dropout = Float(try arguments.double("dropout", default: Double(settings.dropout), in: 0...0.95))
        settings.hidden = try arguments.int("hidden", default: settings.hidden, in: 1...65_536)
        settings.labelSmoothing = Float(try arguments.double("label-smoothing", default: Double(settings.labelSmoothing), in: 0...0.99))
        if arguments.flag("no-tta") { settings.testTimeFlip = false }
        settings.unfreeze = try arguments.int("unfreeze", default: settings.unfreeze, in: 0...20)
        settings.scales = try scales(arguments, preset: settings.scales, unfreeze: settings.unfreeze)
        let tasks = arguments.value("tasks").map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let out = arguments.value("out") ?? "model.fcw"
        let backboneName = try arguments.choice("backbone", from: ["mobilenet", "mobilenetv2", "inceptionv3"], default: "mobilenet")!
        let extractor = try WeightsLocation.extractor(backboneName, scales: settings.scales)
        let faces = try ModelCommandSupport.faces(arguments, size: extractor.inputSize)
        let bar = ProgressBar(label: "preparing faces and features")
        defer { bar.finish() }
        let checkpoint = TrainingCheckpoint.path(forModel: out)
        let run = try TrainingRun.train(roots: roots, tasks: tasks, extractor: extractor, faces: faces, settings: settings,
                                        cacheDirectory: arguments.flag("no-cache") ? nil : CacheLocation.folder(arguments.value("cache")),
                                        checkpointing: .init(path: checkpoint, resume: arguments.flag("resume")),
                                        log: { bar.finish(); Console.standardError($0) }, progress: bar.update)
        // Person gallery: unknown-person threshold calibrated on the validation part, enrolment (`facecli enroll`).
        if run.model.info.tasks.contains(where: { $0.name == "person" }) {
            // The gallery is added by rewriting a model file: do that on a staged copy, so that OUT
            // goes from the previous model straight to the complete new one.
            let folder = (out as NSString).deletingLastPathComponent
            let staged = (folder as NSString).appendingPathComponent(".\((out as NSString).lastPathComponent).staged-\(getpid())")
            defer { unlink(staged) }
            try run.model.save(to: staged)
            let space = GalleryBuilder.availableDefaultSpace
            if space != GalleryBuilder.defaultSpace {
                Console.standardError("note: Weights/\(IdentityFeatures.weightsFile) not found: the person gallery uses the head's shared layer (weaker on strangers)")
            }
            try GalleryBuilder.build(model: run.model, dataset: run.dataset, split: run.split, extractor: try run.model.extractor(for: extractor, modelPath: staged),
                                     faces: faces, cacheDirectory: arguments.flag("no-cache") ? nil : CacheLocation.folder(arguments.value("cache")),
                                     space: space).save(intoModel: staged)
            // Written and fsynced by WeightFile.write: renaming it over OUT is the atomic step.
            guard rename(staged, out) == 0 else {
                throw FileError(.cannotCreate, path: out, "cannot rename into place: \(String(cString: strerror(errno)))")
            }
            let directory = open(folder.isEmpty ? "." : folder, O_RDONLY)   // make the rename durable
            if directory >= 0 { fsync(directory); close(directory) }
        } else {
            try run.model.save(to: out)
        }
        unlink(checkpoint)
        Console.standardError("model written to \(out) " + String(format: "(features %.1f s, training %.1f s)", run.seconds.features, run.seconds.training))
        if arguments.flag("json") {
            print(run.test.json())
        } else {
            print("test split (\(run.split.test.count) images):")
            print(run.test.text(taskOrder: run.dataset.tasks.map(\.name)), terminator: "")
        }
        return .ok
    }

    /// The backbone's input sizes: `--scales`, or `--input-size` alone, or the preset's; the
    /// largest alone with `--unfreeze` (the trained blocks belong to one backbone pass).
    static func scales(_ arguments: ParsedArguments, preset: [Int], unfreeze: Int) throws -> [Int] {
        let sizes = 32...512
        if arguments.has("scales") && arguments.has("input-size") {
            throw arguments.usageError("give --scales or --input-size, not both")
        }
        if arguments.has("input-size") { return [try arguments.int("input-size", default: 0, in: sizes)] }
        let scales = Array(Set(try arguments.ints("scales", default: preset, in: sizes))).sorted()
        if unfreeze > 0 && scales.count > 1 {
            if arguments.has("scales") { throw arguments.usageError("--unfreeze trains one backbone pass: give a single size in --scales") }
            return [scales.last!]
        }
        return scales
    }
}
