import Foundation
import ImageIO
import MTLNet
import Tensor
import XCTest

final class TrainingRunTests: XCTestCase {
    /// Train through the library entry point with one "no face" image, save, reload, and
    /// evaluate the held-out part again: the same metrics as the training run reported.
    func testTrainSaveLoadEvaluateHeldOutPart() throws {
        let folder = try TemporaryFolder()
        var rng = SeededRandom(seed: 21)
        for p in 0..<3 {
            for i in 0..<20 { try folder.write("d/id\(p)/\(i).png", SyntheticFaces.encode(SyntheticFaces.image(person: p, size: 16, rng: &rng))) }
        }
        try folder.write("d/id0/blank.png", Data([16, 16] + [UInt8](repeating: 0, count: 16 * 16 * 3)))
        try folder.write("d/attributes.csv", "identity,age_group\nid0,young\nid1,old\nid2,old\n")
        let faces = FaceSource(key: "synthetic", cacheable: true) { path in
            let image = try SyntheticFaces.decode(path)
            return image.pixels.allSatisfy { $0 == 0 } ? nil : image   // a black image has "no face"
        }
        var settings = TrainingSettings.standard
        settings.epochs = 40
        settings.augmentViews = 3
        let extractor = PoolingExtractor()
        var lines: [String] = []
        let run = try TrainingRun.train(roots: [folder.path + "/d"], extractor: extractor, faces: faces, settings: settings,
                                        cacheDirectory: folder.path + "/cache", log: { lines.append($0) })
        XCTAssertEqual(run.skipped, [folder.path + "/d/id0/blank.png"])
        XCTAssertTrue(lines.contains { $0.hasPrefix("no face found, skipped: ") })
        XCTAssertTrue(lines[0].hasPrefix("61 images, tasks: person (3), age_group (2); split "), lines[0])
        XCTAssertEqual(run.model.info.testSplit.count, run.split.test.count)
        XCTAssertGreaterThanOrEqual(run.test.tasks["person"]!.accuracy, 0.9)

        let path = folder.path + "/model.fcw"
        try run.model.save(to: path)
        let loaded = try MultiTaskModel(path: path)
        let again = try Evaluation.run(model: loaded, modelPath: path, roots: [folder.path + "/d"], part: .test, extractor: extractor,
                                       faces: faces, cacheDirectory: folder.path + "/cache")
        XCTAssertEqual(again, run.test)
        let all = try Evaluation.run(model: loaded, modelPath: path, roots: [folder.path + "/d"], part: .all, extractor: extractor,
                                     faces: faces, cacheDirectory: nil)
        XCTAssertEqual(all.tasks["person"]!.count, 60)
        XCTAssertThrowsError(try Evaluation.run(model: loaded, modelPath: path, roots: [folder.path + "/d"], part: .all,
                                                extractor: PoolingExtractor(weightsSHA256: "ff"), faces: faces, cacheDirectory: nil))
    }
}
