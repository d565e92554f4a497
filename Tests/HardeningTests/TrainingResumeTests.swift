import Foundation
import ImageIO
import Layers
import MTLNet
import Support
import Tensor
import XCTest

/// Crash-safe training at the library level: a run stopped after any epoch and resumed from its
/// checkpoint file ends with the same weights, bit for bit, as the run that was never stopped.
final class TrainingResumeTests: XCTestCase {
    /// Two tasks (one with missing labels) on 14 noisy features: learnable but not instantly, so
    /// the run sees improvements, plateaus (learning-rate cuts) and finally early stopping.
    private func data(rows: Int, seed: UInt64) -> FeatureSet {
        var rng = SeededRandom(seed: seed)
        var features: [Float] = [], a: [Int] = [], b: [Int] = []
        for i in 0..<rows {
            let ya = i % 3, yb = (i / 3) % 2
            for j in 0..<14 { features.append((j % 3 == ya ? 0.8 : 0) + (j >= 12 && yb == 1 ? 0.6 : 0) + rng.nextFloat(in: -0.7...0.7)) }
            a.append(ya); b.append(i % 5 == 0 ? Loss.missing : yb)
        }
        return FeatureSet(features: Tensor(shape: [rows, 14], scalars: features), labels: [a, b])
    }

    private var settings: TrainingSettings {
        var s = TrainingSettings.standard
        s.epochs = 30; s.batchSize = 8; s.learningRate = 0.02; s.patience = 5; s.lrPatience = 1; s.hidden = 16
        return s
    }

    /// Everything of a record but the wall-clock time.
    private func curves(_ history: [EpochRecord]) -> [[Float]] {
        history.map { [Float($0.epoch), $0.learningRate] + $0.trainLoss + $0.trainAccuracy + $0.validationLoss + $0.validationAccuracy }
    }

    private func withoutTimes(_ state: TrainerState) -> TrainerState {
        var s = state
        s.history = s.history.map { var r = $0; r.elapsed = 0; return r }
        return s
    }

    func testResumingAfterAnyEpochGivesTheUninterruptedResult() throws {
        let train = data(rows: 72, seed: 1), validation = data(rows: 30, seed: 2)
        let settings = self.settings
        let reference = MultiTaskHead(featureCount: 14, hidden: settings.hidden, classCounts: [3, 2], dropout: 0.5, seed: 9)
        var states: [TrainerState] = []
        let full = Trainer.fit(head: reference, train: train, validation: validation, settings: settings, checkpoint: { states.append($0) })
        XCTAssertEqual(states.count, full.history.count, "one checkpoint per epoch")
        XCTAssertTrue(full.stoppedEarly, "the run should exercise early stopping")
        XCTAssertLessThan(full.history.last!.learningRate, settings.learningRate, "the run should exercise reduce-on-plateau")
        XCTAssertLessThan(full.bestEpoch, full.history.count)

        let folder = try TemporaryFolder()
        let path = folder.path + "/m.fcw.checkpoint"
        let split = DataSplit(train: [0, 1], validation: [2], test: [3])
        let names = reference.parameters.map(\.name)
        for stop in [1, 2, full.bestEpoch, full.history.count - 1, full.history.count] {
            // Through the file, as after a crash.
            try TrainingCheckpoint(state: states[stop - 1], names: names, settings: settings, split: split, dataSHA256: "d").write(to: path)
            let saved = try TrainingCheckpoint(path: path)
            XCTAssertEqual(saved.state, states[stop - 1], "checkpoint file round trip (epoch \(stop))")
            XCTAssertEqual(saved.state.headOptimizer.step, states[stop - 1].headOptimizer.step)

            let head = MultiTaskHead(featureCount: 14, hidden: settings.hidden, classCounts: [3, 2], dropout: 0.5, seed: 9)
            var later: [TrainerState] = []
            let resumed = Trainer.fit(head: head, train: train, validation: validation, settings: settings, resume: saved.state,
                                      checkpoint: { later.append($0) })
            XCTAssertEqual(head.snapshot(), reference.snapshot(), "weights after resuming from epoch \(stop)")
            XCTAssertEqual(curves(resumed.history), curves(full.history), "history after resuming from epoch \(stop)")
            XCTAssertEqual(resumed.bestEpoch, full.bestEpoch)
            XCTAssertEqual(resumed.stoppedEarly, full.stoppedEarly)
            XCTAssertEqual(later.map(withoutTimes), states[stop...].map(withoutTimes), "the checkpoints after resuming from epoch \(stop)")
        }
    }

    /// The same with two backbone layers trained under the head (`--unfreeze 1`): their weights
    /// and their own Adam state come back too.
    func testResumingWithAnUnfrozenTailGivesTheUninterruptedResult() throws {
        let backbone = try Backbone.random(.keras(.mobilenet), seed: 3, inputSize: 32)
        var rng = SeededRandom(seed: 4)
        let images = (0..<12).map { i in
            RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { j in UInt8(truncatingIfNeeded: (j % 3 == i % 3 ? 160 : 40) + Int(rng.next() % 64)) })
        }
        let maps = try TapExtractor(backbone: backbone, tail: try BackboneTail(backbone: backbone, blocks: 1)).features(images)
        let set = FeatureSet(features: maps, labels: [(0..<12).map { $0 % 3 }])
        var settings = TrainingSettings.standard
        settings.epochs = 4; settings.batchSize = 5; settings.hidden = 8
        func run(resume: TrainerState?, keep: Int?) throws -> (head: MultiTaskHead, tail: BackboneTail, kept: TrainerState?) {
            let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 8, classCounts: [3], seed: 5)
            let tail = try BackboneTail(backbone: backbone, blocks: 1)
            var kept: TrainerState?
            _ = Trainer.fit(head: head, tail: tail, train: set, validation: set, settings: settings, resume: resume,
                            checkpoint: { if $0.epoch == keep { kept = $0 } })
            return (head, tail, kept)
        }
        let full = try run(resume: nil, keep: 2)
        let state = try XCTUnwrap(full.kept)
        XCTAssertEqual(state.tailOptimizer.moments.count, 4, "two layers, weight and bias each")
        let folder = try TemporaryFolder()
        let names = full.head.parameters.map(\.name) + full.tail.parameters.map(\.name)
        try TrainingCheckpoint(state: state, names: names, settings: settings, split: DataSplit(train: [], validation: [], test: []),
                               dataSHA256: "d").write(to: folder.path + "/c")
        let resumed = try run(resume: try TrainingCheckpoint(path: folder.path + "/c").state, keep: nil)
        XCTAssertEqual(resumed.head.snapshot(), full.head.snapshot())
        XCTAssertEqual(resumed.tail.snapshot(), full.tail.snapshot())
    }

    /// Through `TrainingRun` on generated images: the checkpoint left by a run continues it to
    /// the same model and test metrics; other data or other settings are refused with a message
    /// naming the checkpoint and what differs, and a missing checkpoint starts afresh.
    func testTrainingRunResumesAndRefusesOtherDataOrSettings() throws {
        let folder = try TemporaryFolder()
        var rng = SeededRandom(seed: 8)
        for p in 0..<3 {
            for i in 0..<10 {
                let pixels = (0..<(8 * 8 * 3)).map { j in UInt8(truncatingIfNeeded: (j % 3 == p ? 180 : 50) + Int(rng.next() % 60)) }
                try folder.write("d/id\(p)/\(i).png", Data(try ImageEncoder.png(RGBImage(width: 8, height: 8, pixels: pixels))))
            }
        }
        let faces = FaceSource(key: "test", cacheable: false) { try ImageDecoder().decode(path: $0) }
        var settings = TrainingSettings.standard
        settings.epochs = 6; settings.hidden = 8; settings.augmentViews = 1; settings.testTimeFlip = false
        let checkpoint = folder.path + "/m.fcw.checkpoint"
        func train(_ settings: TrainingSettings, resume: Bool, log: @escaping (String) -> Void = { _ in }) throws -> TrainingRun.Result {
            try TrainingRun.train(roots: [folder.path + "/d"], extractor: MeanColourExtractor(), faces: faces, settings: settings,
                                  cacheDirectory: nil, checkpointing: .init(path: checkpoint, resume: resume), log: log)
        }
        var lines: [String] = []
        let first = try train(settings, resume: true) { lines.append($0) }
        XCTAssertTrue(lines.contains("no checkpoint at \(checkpoint): training from the first epoch"), "\(lines)")
        let saved = try TrainingCheckpoint(path: checkpoint)
        XCTAssertEqual(saved.state.epoch, first.training.history.count)

        lines = []
        let again = try train(settings, resume: true) { lines.append($0) }
        XCTAssertTrue(lines.contains("resuming after epoch \(saved.state.epoch) from \(checkpoint)"), "\(lines)")
        XCTAssertEqual(again.model.head.snapshot(), first.model.head.snapshot())
        XCTAssertEqual(again.test, first.test)

        var other = settings
        other.learningRate = 0.01
        XCTAssertThrowsError(try train(other, resume: true)) { error in
            XCTAssertEqual((error as? FileError)?.path, checkpoint)
            XCTAssertTrue("\(error)".contains("other training settings (learningRate 0.001 → 0.01)"), "\(error)")
        }
        try folder.write("d/id1/3.png", Data(try ImageEncoder.png(RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: 9, count: 192)))))
        XCTAssertThrowsError(try train(settings, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("was written for other data"), "\(error)")
        }
        // Without --resume the old checkpoint is simply replaced.
        XCTAssertNoThrow(try train(settings, resume: false))
        XCTAssertNoThrow(try train(settings, resume: true))
    }
}

/// Mean colour of an image (3 features): a stand-in backbone for generated data.
private final class MeanColourExtractor: FeatureExtractor {
    let name = "mean-colour", weightsSHA256 = String(repeating: "0", count: 64), normalization = "x / 255"
    let inputSize = 8, featureCount = 3

    func features(_ images: [RGBImage]) throws -> Tensor {
        var out = [Float]()
        for image in images {
            var sum = [Float](repeating: 0, count: 3)
            for (i, v) in image.pixels.enumerated() { sum[i % 3] += Float(v) / 255 }
            out += sum.map { $0 / Float(image.width * image.height) }
        }
        return Tensor(shape: [images.count, 3], scalars: out)
    }
}

/// A temporary folder removed at the end of the test.
private final class TemporaryFolder {
    let path = NSTemporaryDirectory() + "hardening-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ data: Data) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
    }
}

/// Model files written before later `ModelInfo` fields existed still load, with neutral values.
final class ModelMigrationTests: XCTestCase {
    func testModelWithoutLaterFieldsLoadsWithNeutralDefaults() throws {
        var settings = TrainingSettings.standard
        settings.testTimeFlip = true; settings.unfreeze = 0
        let info = ModelInfo(backbone: .init(name: "mean-colour", weightsSHA256: String(repeating: "0", count: 64), featureCount: 3),
                             inputSize: 8, normalization: "x / 255", preprocessing: "aligned",
                             tasks: [TaskInfo(name: "person", labels: ["a", "b"])], hidden: 4, dropout: 0.5, settings: settings,
                             testSplit: [], history: [])
        let head = MultiTaskHead(featureCount: 3, hidden: 4, classCounts: [2], seed: 1)
        let folder = try TemporaryFolder()
        let current = folder.path + "/current.fcw", old = folder.path + "/old.fcw"
        try MultiTaskModel(info: info, head: head).save(to: current)
        // The same file as the first format-1 models wrote it: no test-time flip, no fine-tuning fields.
        let file = try WeightFile(path: current)
        var metadata = file.metadata
        var stored = try XCTUnwrap(metadata["settings"] as? [String: Any])
        for key in ["test_time_flip", "unfreeze", "tail_learning_rate_factor"] { XCTAssertNotNil(stored.removeValue(forKey: key), key) }
        metadata["settings"] = stored
        metadata["unfrozen"] = nil
        try WeightFile.write(path: old, tensors: try file.names.map { ($0, try file.tensor($0)) }, metadata: metadata)

        let loaded = try MultiTaskModel(path: old)
        XCTAssertFalse(loaded.info.settings.testTimeFlip)
        XCTAssertEqual(loaded.info.settings.unfreeze, 0)
        XCTAssertEqual(loaded.info.settings.tailLearningRateFactor, 0.1)
        XCTAssertNil(loaded.info.unfrozen)
        XCTAssertEqual(loaded.head.snapshot(), head.snapshot())
        var expected = info.settings
        expected.testTimeFlip = false
        XCTAssertEqual(loaded.info.settings, expected, "every other setting as written")
    }
}
