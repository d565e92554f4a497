import Foundation
import MTLNet
import Tensor

/// The issue-7 measurement of unknown people and enrolment: train on every person of an
/// identity-folder dataset but one, then
/// 1. how many of the left-out person's images are reported `unknown`;
/// 2. enrol `enrolCount` of them (first in name order) and how many of the others are then
///    recognised as that person;
/// 3. the accuracy on the known people's test split, closed-set (the head alone) and open-set
///    (with `unknown` answers), before and after the enrolment;
/// 4. with `strangers` (a dataset of other people), how many of their faces are taken for
///    someone, before and after the enrolment: the false-accept rate on real strangers.
public enum OpenSetExperiment {
    public struct Result: Sendable {
        public var leftOut: String
        public var threshold: Float
        /// Share of the left-out person's images reported unknown before enrolment.
        public var unknownRate: Double
        /// Share of the left-out person's other images recognised after enrolling `enrolled`.
        public var recognisedAfterEnrolment: Double
        public var enrolled: Int
        /// Known people, test split: head only, open-set before and after the enrolment.
        public var knownClosedSet: Double, knownBefore: Double, knownAfter: Double
        public var knownTestImages: Int
        /// Share of the stranger faces accepted as someone, before and after the enrolment (nil without strangers).
        public var strangersAcceptedBefore: Double?, strangersAcceptedAfter: Double?
        public var seconds: Double
    }

    /// `root`: an identity-folder dataset; `scratch`: a folder for the reduced dataset (symlinks)
    /// and the model.
    public static func run(root: String, leaveOut: String, extractor: FeatureExtractor, settings: TrainingSettings,
                           space: PersonGallery.Space, falseAcceptRate: Double, enrolCount: Int, cacheDirectory: String?,
                           scratch: String, strangers: String? = nil, log: (String) -> Void = { _ in }) throws -> Result {
        let start = Date()
        let fm = FileManager.default
        let root = URL(fileURLWithPath: root).standardizedFileURL.path   // the symlinks below must not be relative
        let reduced = scratch + "/data-without-" + leaveOut
        try? fm.removeItem(atPath: reduced)
        try fm.createDirectory(atPath: reduced, withIntermediateDirectories: true)
        let people = try fm.contentsOfDirectory(atPath: root).filter { Self.isDirectory(root + "/" + $0) }.sorted()
        guard people.contains(leaveOut) else { throw GalleryError.noSuchPerson(leaveOut, root) }
        for p in people where p != leaveOut { try fm.createSymbolicLink(atPath: reduced + "/" + p, withDestinationPath: root + "/" + p) }
        if let text = try? String(contentsOfFile: root + "/attributes.csv", encoding: .utf8) {
            // Without the left-out person's row (the dataset refuses rows without a folder).
            let rows = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix(leaveOut + ",") }
            try rows.joined(separator: "\n").write(toFile: reduced + "/attributes.csv", atomically: true, encoding: .utf8)
        }
        let faces = FaceSources.aligned(size: extractor.inputSize)
        let run = try TrainingRun.train(roots: [reduced], extractor: extractor, faces: faces, settings: settings,
                                        cacheDirectory: cacheDirectory, log: log)
        let modelPath = scratch + "/model-without-\(leaveOut).fcw"
        try run.model.save(to: modelPath)
        var gallery = try GalleryBuilder.build(model: run.model, dataset: run.dataset, split: run.split, extractor: extractor, faces: faces,
                                               cacheDirectory: cacheDirectory, space: space, falseAcceptRate: falseAcceptRate)
        try gallery.save(intoModel: modelPath)
        let classifier = try OpenSetClassifier(modelPath: modelPath, extractor: extractor)
        let extractor = classifier.extractor   // with the model's trained backbone blocks, if any

        var pipeline = FeaturePipeline(extractor: extractor, cache: try FeatureCache(directory: cacheDirectory),
                                       preprocessingKey: faces.key, seed: settings.seed, prepareFace: faces.prepare)
        pipeline.cacheFaces = faces.cacheable
        /// Feature rows `[N, f]` and, for an identity gallery, descriptor rows `[N, dim]` (one view
        /// per image, no mirror: the figures measure the gallery, not test-time flip).
        let identity = gallery.space == .identity ? classifier.identity : nil
        /// `byPath`: descriptors already made (else those of aligned crops are).
        func inputs(_ samples: [Sample], byPath known: [String: [Float]]? = nil) throws -> (features: Tensor, descriptors: Tensor?) {
            let f = try pipeline.features(samples: samples, tasks: samples.first?.labels.count ?? 0, views: 1).set.features
            guard let identity else { return (f, nil) }
            let byPath = try known ?? identity.descriptors(of: samples, aligned: true, cacheDirectory: cacheDirectory, seed: settings.seed)
            return (f, try identity.rows(byPath, of: samples))
        }
        func answers(_ x: (features: Tensor, descriptors: Tensor?)) -> [String] {
            classifier.personAnswers(features: x.features, views: 1, descriptors: x.descriptors)
        }
        func rows(_ t: Tensor, _ r: Range<Int>) -> Tensor {
            let d = t.shape[1]
            return Tensor(shape: [r.count, d], scalars: Array(t.scalars[(r.lowerBound * d)..<(r.upperBound * d)]))
        }
        func rows(_ x: (features: Tensor, descriptors: Tensor?), _ r: Range<Int>) -> (features: Tensor, descriptors: Tensor?) {
            (rows(x.features, r), x.descriptors.map { rows($0, r) })
        }

        // The left-out person.
        let theirs = try fm.contentsOfDirectory(atPath: root + "/" + leaveOut)
            .filter { Dataset.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            .map { Sample(path: root + "/" + leaveOut + "/" + $0, relativePath: leaveOut + "/" + $0, labels: []) }
        let theirInputs = try inputs(theirs)
        let unknown = answers(theirInputs).filter { $0 == PersonGallery.unknownLabel }.count

        // Known people's test split.
        let person = run.dataset.tasks.firstIndex { $0.name == "person" }!
        let test = run.split.test.map { run.dataset.samples[$0] }
        let truth = test.map { run.dataset.tasks[person].labels[$0.labels[person]] }
        let testInputs = try inputs(test)
        let head = classifier.model.probabilities(features: testInputs.features)[classifier.personTask!]
        let names = classifier.tasks[classifier.personTask!].labels
        let closed = Trainer.argmax(head).enumerated().filter { names[$0.element] == truth[$0.offset] }.count
        let before = zip(answers(testInputs), truth).filter { $0 == $1 }.count
        // Strangers are photos (lfw10): their faces are found, not taken as aligned crops. Photos
        // without a face found are left out.
        let strangerInputs = try strangers.map { root -> (features: Tensor, descriptors: Tensor?) in
            let all = try Dataset(roots: [root]).samples
            guard let identity else { return try inputs(all) }
            let found = try identity.descriptors(of: all, aligned: false, cacheDirectory: cacheDirectory, seed: settings.seed)
            return try inputs(all.filter { found[$0.path] != nil }, byPath: found)
        }
        func accepted(_ x: (features: Tensor, descriptors: Tensor?)) -> Double {
            let a = answers(x)
            return Double(a.filter { $0 != PersonGallery.unknownLabel }.count) / Double(max(a.count, 1))
        }
        let strangersBefore = strangerInputs.map(accepted)

        // Enrol the first images of the left-out person.
        let k = min(enrolCount, theirs.count - 1)
        let enrol = rows(theirInputs, 0..<k)
        gallery.enroll(leaveOut, embeddings: enrol.descriptors
                       ?? PersonGallery.rawEmbeddings(enrol.features, model: classifier.model, space: gallery.space))
        classifier.gallery = gallery
        let recognised = answers(rows(theirInputs, k..<theirs.count)).filter { $0 == leaveOut }.count
        let after = zip(answers(testInputs), truth).filter { $0 == $1 }.count
        let strangersAfter = strangerInputs.map(accepted)

        let n = Double(test.count)
        return Result(leftOut: leaveOut, threshold: gallery.threshold, unknownRate: Double(unknown) / Double(theirs.count),
                      recognisedAfterEnrolment: Double(recognised) / Double(theirs.count - k), enrolled: k,
                      knownClosedSet: Double(closed) / n, knownBefore: Double(before) / n, knownAfter: Double(after) / n,
                      knownTestImages: test.count, strangersAcceptedBefore: strangersBefore, strangersAcceptedAfter: strangersAfter,
                      seconds: Date().timeIntervalSince(start))
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }
}
