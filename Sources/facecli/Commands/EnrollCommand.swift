import FaceKit
import Foundation
import ImageIO
import MTCNN
import MTLNet
import Support

/// `facecli enroll --model M --person NAME IMAGE...`: adds a person to a model without training.
enum EnrollCommand: Command {
    static let name = "enroll"
    static let summary = "Add a person to a model from a few photos (no retraining), remove one, or build its gallery."
    static let discussion = """
        A model recognises people through its person gallery: one prototype (the mean descriptor of
        their faces, from the face-identity network in Weights/face-embedding.fcw) per person and a
        similarity threshold below which a face is 'unknown', calibrated for a stated false-accept
        rate; an enrolled person gets their own threshold, calibrated on the faces the gallery
        already knows.
        --person NAME IMAGE... describes the faces of the images (the most confident face of each,
        or the whole crop with --aligned) and adds them to NAME's prototype, creating the person if
        new. --remove NAME takes a person out (a trained person is then reported as unknown).
        --calibrate DATA... (re)builds the gallery of a model from its training data (prototypes
        from the training part, threshold from the validation part for --false-accept). --list
        prints the gallery. The model file is rewritten atomically.
        --leave-one-out DATA (no --model needed) measures all this on an aligned identity-folder
        dataset: trains (default settings, MobileNet) without one person, reports how many of their
        images are 'unknown', enrols --enrol-count of them and reports how many of the others are
        then recognised, the known people's test accuracy before and after, and with --strangers
        DIR how many faces of other people are taken for someone.
        """
    static let options: [OptionSpec] = [
        .value("model", "path", help: "Model (.fcw) to update."),
        .value("person", "name", help: "Who the images show."),
        .flag("aligned", help: "Images are aligned face crops: resize only, no detection."),
        .value("remove", "name", help: "Take this person out of the gallery."),
        .repeatable("calibrate", "dir", help: "Build the gallery from this training dataset (repeatable)."),
        .value("false-accept", "rate", help: "With --calibrate, --leave-one-out: share of impostor trials accepted as someone.", default: "0.03"),
        .value("space", "identity|shared|features", help: "With --calibrate, --leave-one-out: embedding (face-identity network, head's shared layer or backbone features).", default: "identity"),
        .value("cache", "dir", help: "Feature cache folder (--calibrate).", default: "$XDG_CACHE_HOME/facecli or ~/.cache/facecli"),
        .value("leave-one-out", "dir", help: "Measure: train without --person (or each person in turn) of this dataset, then enrol them."),
        .value("enrol-count", "n", help: "With --leave-one-out: images enrolled.", default: "10"),
        .value("strangers", "dir", help: "With --leave-one-out: photos of other people (identity folders); reports how many are taken for someone."),
        .flag("list", help: "Print the people of the gallery and the threshold."),
        .value("weights", "path", help: "MTCNN weight file.", default: "Weights/mtcnn.fcw"),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("image", help: "Photos of the person (JPEG or PNG).", optional: true, variadic: true)]

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        if let data = arguments.value("leave-one-out") { return try leaveOneOut(data, arguments) }
        let modelPath = try arguments.required("model")
        let modes = ["person", "remove", "calibrate", "list"].filter { arguments.has($0) }
        guard modes.count == 1 else { throw arguments.usageError("give exactly one of --person, --remove, --calibrate, --list") }
        let start = Date()
        switch modes[0] {
        case "list":
            guard let g = try PersonGallery(modelPath: modelPath) else { throw noGallery(modelPath) }
            print(describe(g))
            return .ok
        case "remove":
            let name = try arguments.required("remove")
            guard var g = try PersonGallery(modelPath: modelPath) else { throw noGallery(modelPath) }
            guard g.remove(name) else { throw CLIError.failure("\(modelPath): no person '\(name)' in the gallery", .dataError) }
            try g.save(intoModel: modelPath)
            Console.standardError("removed \(name) from \(modelPath)")
            return .ok
        case "calibrate":
            let rate = try arguments.double("false-accept", default: GalleryBuilder.defaultFalseAcceptRate, in: 0...1)
            let space = PersonGallery.Space(rawValue: try arguments.choice("space", from: PersonGallery.Space.allCases.map(\.rawValue), default: GalleryBuilder.defaultSpace.rawValue)!)!
            let classifier = try OpenSetClassifier(modelPath: modelPath)
            guard classifier.model.info.preprocessing == FaceSources.aligned(size: 1).key else {
                throw CLIError.failure("\(modelPath): --calibrate reads aligned-crop datasets only (the model was trained with '\(classifier.model.info.preprocessing)')", .dataError)
            }
            let g = try GalleryBuilder.build(model: classifier.model, roots: arguments.allValues("calibrate"), extractor: classifier.extractor,
                                             faces: FaceSources.aligned(size: classifier.inputSize),
                                             cacheDirectory: CacheLocation.folder(arguments.value("cache")),
                                             space: space, falseAcceptRate: rate, identity: classifier.identity)
            try g.save(intoModel: modelPath)
            Console.standardError(describe(g))
            return .ok
        default:
            let name = try arguments.required("person")
            guard !name.isEmpty, name != PersonGallery.unknownLabel else { throw arguments.usageError("--person must be a name other than 'unknown'") }
            guard !arguments.positionals.isEmpty else { throw arguments.usageError("give the photos of \(name)") }
            let classifier = try OpenSetClassifier(modelPath: modelPath)
            guard var g = classifier.gallery else { throw noGallery(modelPath) }
            let (faces, chips) = try faceCrops(arguments, size: classifier.inputSize, classifier: classifier)
            guard !faces.isEmpty else { throw CLIError.failure("no face found in the images of \(name)", .dataError) }
            if let identity = classifier.identity, let chips {
                g.enroll(name, embeddings: try identity.descriptors(chips))
            } else {
                g.enroll(name, embeddings: PersonGallery.rawEmbeddings(try classifier.extractor.features(faces), model: classifier.model, space: g.space))
            }
            try g.save(intoModel: modelPath)
            let count = g.people.first { $0.name == name }!.count
            Console.standardError(String(format: "enrolled %@: %d faces added (%d in total) into %@ in %.1f s",
                                         name, faces.count, count, modelPath, Date().timeIntervalSince(start)))
            return faces.count == arguments.positionals.count ? .ok : .someFailed
        }
    }

    /// One face crop per image: the crop itself (--aligned) or the most confident detected face,
    /// aligned; and its identity chip when the gallery is in the identity space.
    static func faceCrops(_ arguments: ParsedArguments, size: Int, classifier: OpenSetClassifier) throws -> ([RGBImage], [RGBImage]?) {
        let aligned = arguments.flag("aligned")
        var options = MTCNNOptions()
        options.threads = try arguments.threads()
        let detector = aligned ? nil : try DetectCommand.makeDetector(arguments, options: options)
        var crops = [RGBImage](), chips = [RGBImage]()
        _ = ImageInputs.forEach(arguments.positionals) { path, image in
            if aligned {
                crops.append(image.centerSquare(size: size))
                chips += classifier.chip(alignedCrop: image).map { [$0] } ?? []
                return
            }
            guard let face = detector!.detect(image).first else {
                throw FileError(.badData, path: path, "no face found")
            }
            crops += classifier.crops(image, faces: [face])
            chips += classifier.chips(image, faces: [face]) ?? []
        }
        return (crops, chips.count == crops.count && !chips.isEmpty ? chips : nil)
    }

    static func leaveOneOut(_ data: String, _ arguments: ParsedArguments) throws -> ExitCode {
        let rate = try arguments.double("false-accept", default: GalleryBuilder.defaultFalseAcceptRate, in: 0...1)
        let space = PersonGallery.Space(rawValue: try arguments.choice("space", from: PersonGallery.Space.allCases.map(\.rawValue), default: GalleryBuilder.defaultSpace.rawValue)!)!
        let count = try arguments.int("enrol-count", default: 10, in: 1...100_000)
        let extractor = try WeightsLocation.backbone("mobilenet")
        let people = try arguments.value("person").map { [$0] } ?? Dataset(roots: [data]).tasks.first { $0.name == "person" }?.labels ?? []
        let scratch = NSTemporaryDirectory() + "/facecli-loo-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let strangers = arguments.value("strangers")
        print("left out            threshold  unknown  recognised(after \(count))  known: head  open before  open after  images  seconds"
              + (strangers == nil ? "" : "  strangers accepted before  after"))
        var sums = [Double](repeating: 0, count: 7)
        for p in people {
            let r = try OpenSetExperiment.run(root: data, leaveOut: p, extractor: extractor, settings: .standard, space: space,
                                              falseAcceptRate: rate, enrolCount: count, cacheDirectory: CacheLocation.folder(arguments.value("cache")),
                                              scratch: scratch, strangers: strangers)
            let v = [r.unknownRate, r.recognisedAfterEnrolment, r.knownClosedSet, r.knownBefore, r.knownAfter,
                     r.strangersAcceptedBefore ?? 0, r.strangersAcceptedAfter ?? 0]
            for i in v.indices { sums[i] += v[i] }
            print(p.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%9.4f  %6.1f %%  %20.1f %%  %9.1f %%  %9.1f %%  %8.1f %%  %6d  %7.1f", r.threshold,
                         100 * v[0], 100 * v[1], 100 * v[2], 100 * v[3], 100 * v[4], r.knownTestImages, r.seconds)
                  + (strangers == nil ? "" : String(format: "  %24.1f %%  %4.1f %%", 100 * v[5], 100 * v[6])))
        }
        if people.count > 1 {
            let m = sums.map { 100 * $0 / Double(people.count) }
            print("mean".padding(toLength: 29, withPad: " ", startingAt: 0) + String(format: "  %6.1f %%  %20.1f %%  %9.1f %%  %9.1f %%  %8.1f %%", m[0], m[1], m[2], m[3], m[4])
                  + (strangers == nil ? "" : String(format: "  %40.1f %%  %4.1f %%", m[5], m[6])))
        }
        return .ok
    }

    static func noGallery(_ path: String) -> CLIError {
        .failure("\(path): the model has no person gallery; build it with 'facecli enroll --model \(path) --calibrate DATA' (DATA = its training data)", .dataError)
    }

    static func describe(_ g: PersonGallery) -> String {
        var lines = [String(format: "gallery: %d people, %@ embeddings (%d values), unknown below similarity %.4f",
                            g.people.count, g.space.rawValue, g.dimension, g.threshold)]
        if let c = g.calibration {
            lines.append(String(format: "calibrated for %.1f %% false accepts on %d validation faces (%.1f %% of them rejected)",
                                100 * c.falseAcceptRate, c.faces, 100 * c.falseRejectRate))
        }
        for p in g.people {
            lines.append("  \(p.name): \(p.count) faces" + (p.enrolled ? ", enrolled" : "")
                         + (p.threshold.map { String(format: ", own threshold %.4f", $0) } ?? "")
                         + (g.removed.contains(p.name) ? ", removed" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
