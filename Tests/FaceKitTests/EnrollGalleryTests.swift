import FaceKit
import Foundation
import MTLNet
import Tensor
import XCTest

final class EnrollGalleryTests: XCTestCase {
    /// `perClass` noisy embeddings around one random centre per class: `[classes·perClass, dim]`.
    func clusters(classes: Int, perClass: Int, dim: Int, noise: Float, seed: UInt64) -> (Tensor, [Int], [[Float]]) {
        var rng = SeededRandom(seed: seed)
        let centres = (0..<classes).map { _ in (0..<dim).map { _ in rng.nextUnit() * 2 - 1 } }
        var rows = [Float](), labels = [Int]()
        for c in 0..<classes {
            for _ in 0..<perClass {
                rows += centres[c].map { $0 + noise * (rng.nextUnit() * 2 - 1) }
                labels.append(c)
            }
        }
        return (Tensor(shape: [labels.count, dim], scalars: rows), labels, centres)
    }

    func testCalibratedThresholdHoldsTheFalseAcceptRateOnTheValidationImpostors() {
        let (train, trainLabels, _) = clusters(classes: 6, perClass: 20, dim: 16, noise: 0.9, seed: 1)
        let (val, valLabels, _) = clusters(classes: 6, perClass: 20, dim: 16, noise: 0.9, seed: 1)
        for rate in [0.0, 0.05, 0.2] {
            let g = PersonGallery.build(names: (0..<6).map { "p\($0)" }, space: .shared, train: train, trainLabels: trainLabels,
                                        validation: val, validationLabels: valLabels, falseAcceptRate: rate)
            // Re-count impostor trials (each face against the other people) that reach the threshold.
            var accepted = 0
            for r in 0..<valLabels.count {
                let sims = g.similarities(g.normalise(val.scalars[(r * 16)..<((r + 1) * 16)]))
                if sims.enumerated().contains(where: { $0.offset != valLabels[r] && $0.element >= g.threshold }) { accepted += 1 }
            }
            XCTAssertLessThanOrEqual(Double(accepted) / Double(valLabels.count), rate + 1e-9, "rate \(rate)")
            XCTAssertEqual(g.calibration?.faces, 120)
        }
    }

    func testEnrolledPersonIsRecognisedAndStrangersAreNot() {
        let (all, labels, _) = clusters(classes: 8, perClass: 30, dim: 128, noise: 0.5, seed: 3)
        let dim = 128
        func rows(_ classes: Range<Int>, _ part: Range<Int>) -> (Tensor, [Int]) {
            var s = [Float](), l = [Int]()
            for i in labels.indices where classes.contains(labels[i]) && part.contains(i % 30) {
                s += all.scalars[(i * dim)..<((i + 1) * dim)]; l.append(labels[i])
            }
            return (Tensor(shape: [l.count, dim], scalars: s), l)
        }
        let (train, trainLabels) = rows(0..<6, 0..<20), (val, valLabels) = rows(0..<6, 20..<30)
        // The identity space (not centred): centring on the six trained people would make the two
        // people outside them look alike, which real descriptors do not.
        var g = PersonGallery.build(names: (0..<6).map { "p\($0)" }, space: .identity, train: train, trainLabels: trainLabels,
                                    validation: val, validationLabels: valLabels, falseAcceptRate: 0.05)
        let (stranger, _) = rows(7..<8, 0..<30)
        let (newcomer, _) = rows(6..<7, 0..<30)
        func answers(_ t: Tensor) -> [String] {
            (0..<t.shape[0]).map { r in g.identify(g.normalise(t.scalars[(r * dim)..<((r + 1) * dim)])).map { g.people[$0.person].name } ?? "unknown" }
        }
        XCTAssertGreaterThanOrEqual(answers(newcomer).filter { $0 == "unknown" }.count, 27)
        g.enroll("new", embeddings: Tensor(shape: [10, dim], scalars: Array(newcomer.scalars[0..<(10 * dim)])))
        XCTAssertEqual(g.people.last.map { [$0.name, "\($0.count)", "\($0.enrolled)"] }, ["new", "10", "true"])
        XCTAssertNotNil(g.people.last?.threshold, "calibrated on the 60 known faces")
        let rest = Tensor(shape: [20, dim], scalars: Array(newcomer.scalars[(10 * dim)...]))
        XCTAssertGreaterThanOrEqual(answers(rest).filter { $0 == "new" }.count, 18)
        XCTAssertGreaterThanOrEqual(answers(stranger).filter { $0 == "unknown" }.count, 27)
        // Known people keep their answers.
        let known = answers(val)
        XCTAssertGreaterThanOrEqual(zip(known, valLabels).filter { $0 == "p\($1)" }.count, 55)

        XCTAssertTrue(g.remove("new"))
        XCTAssertFalse(g.people.contains { $0.name == "new" })
        XCTAssertTrue(g.remove("p0"))
        XCTAssertEqual(g.removed, ["p0"])
        let p0 = Tensor(shape: [10, dim], scalars: Array(val.scalars[0..<(10 * dim)]))
        XCTAssertEqual(Set(answers(p0)), ["unknown"], "a removed trained person is unknown")
        XCTAssertFalse(g.remove("nobody"))
    }

    func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// An enrolled person's own threshold: at most the calibration's false-accept rate of the other
    /// known faces reach their prototype, and it is never far below the gallery's; their faces join
    /// the known faces (later enrolments are calibrated on them too) and leave with them.
    func testEnrolledPersonsThresholdIsCalibratedOnTheOtherKnownFaces() {
        let dim = 32
        let (all, labels, _) = clusters(classes: 5, perClass: 30, dim: dim, noise: 1.2, seed: 4)
        func rows(_ c: Int, _ part: Range<Int>) -> Tensor {
            let idx = labels.indices.filter { labels[$0] == c && part.contains($0 % 30) }
            return Tensor(shape: [idx.count, dim], scalars: idx.flatMap { all.scalars[($0 * dim)..<(($0 + 1) * dim)] })
        }
        func stack(_ ts: [Tensor]) -> Tensor { Tensor(shape: [ts.reduce(0) { $0 + $1.shape[0] }, dim], scalars: ts.flatMap(\.scalars)) }
        let train = stack((0..<3).map { rows($0, 0..<20) }), val = stack((0..<3).map { rows($0, 20..<30) })
        let trainLabels = (0..<3).flatMap { Array(repeating: $0, count: 20) }, valLabels = (0..<3).flatMap { Array(repeating: $0, count: 10) }
        var g = PersonGallery.build(names: ["p0", "p1", "p2"], space: .features, train: train, trainLabels: trainLabels,
                                    validation: val, validationLabels: valLabels, falseAcceptRate: 0.1)
        XCTAssertEqual(g.knownFaces.count, 30)
        XCTAssertEqual(g.knownFaceNames, valLabels.map { "p\($0)" })
        XCTAssertTrue(g.people.allSatisfy { $0.threshold == nil }, "trained people use the gallery's threshold")

        g.enroll("new", embeddings: rows(3, 0..<10))
        let t = try! XCTUnwrap(g.people.last?.threshold)
        XCTAssertGreaterThanOrEqual(t, g.threshold - PersonGallery.enrolledThresholdFloor)
        let reaching = g.knownFaces.prefix(30).filter { dot($0, g.prototypes[3]) >= t }.count
        XCTAssertLessThanOrEqual(reaching, 3, "at most 10 % of the 30 other known faces")
        XCTAssertEqual(g.knownFaces.count, 40)
        // Answers use the person's own threshold.
        let face = g.normalise(rows(3, 10..<11).scalars[...])
        let s = dot(face, g.prototypes[3])
        XCTAssertEqual(g.identify(face, threshold: nil)?.person == 3, s >= t && g.similarities(face).max() == s)

        g.enroll("newer", embeddings: rows(4, 0..<10))
        let reachingNewer = g.knownFaces.prefix(40).filter { dot($0, g.prototypes[4]) >= g.people[4].threshold! }.count
        XCTAssertLessThanOrEqual(reachingNewer, 4, "calibrated on the 40 faces known before, the first enrolment's included")
        XCTAssertTrue(g.remove("new"))
        XCTAssertEqual(g.knownFaces.count, 40)
        XCTAssertFalse(g.knownFaceNames.contains("new"))
    }

    func testGallerySurvivesTheModelFileAndLeavesTheHeadAsItWas() throws {
        let tasks = [TaskInfo(name: "person", labels: ["a", "b"]), TaskInfo(name: "age", labels: ["x", "y", "z"])]
        let head = MultiTaskHead(featureCount: 8, hidden: 4, classCounts: [2, 3], seed: 5)
        let info = ModelInfo(backbone: .init(name: "test", weightsSHA256: "00", featureCount: 8), inputSize: 16, normalization: "none",
                             preprocessing: "aligned", tasks: tasks, hidden: 4, dropout: 0.5, settings: .standard, testSplit: [], history: [])
        let path = NSTemporaryDirectory() + "/facecli-gallery-\(UUID().uuidString).fcw"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MultiTaskModel(info: info, head: head).save(to: path)
        XCTAssertNil(try PersonGallery(modelPath: path))

        let (train, labels, _) = clusters(classes: 2, perClass: 5, dim: 4, noise: 0.3, seed: 9)
        var g = PersonGallery.build(names: ["a", "b"], space: .shared, train: train, trainLabels: labels,
                                    validation: train, validationLabels: labels, falseAcceptRate: 0.1)
        g.enroll("c", embeddings: Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]))
        try g.save(intoModel: path)
        XCTAssertEqual(try PersonGallery(modelPath: path), g)
        let reloaded = try MultiTaskModel(path: path)
        XCTAssertEqual(reloaded.info, info)
        for (p, q) in zip(reloaded.head.parameters, head.parameters) { XCTAssertEqual(p.value.scalars, q.value.scalars, p.name) }
        // Saving again replaces the stored gallery instead of adding a second one.
        g.remove("c")
        try g.save(intoModel: path)
        XCTAssertEqual(try PersonGallery(modelPath: path)?.people.map(\.name), ["a", "b"])
    }
}
