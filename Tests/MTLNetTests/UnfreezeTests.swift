import Foundation
import ImageIO
import Layers
import MTLNet
import Tensor
import XCTest

final class UnfreezeTests: XCTestCase {
    /// The tail of a (random) MobileNet reproduces the backbone's features from the tap map, trains,
    /// and a model with trained blocks round-trips through its file with the same outputs.
    func testTailReproducesBackboneAndRoundTrips() throws {
        let backbone = try Backbone.random(.keras(.mobilenet), seed: 3, inputSize: 32)
        let tail = try BackboneTail(backbone: backbone, blocks: 1)
        XCTAssertEqual(tail.tap, "conv_pw_12")
        XCTAssertEqual(tail.layers.map(\.weight.name), ["backbone.conv_dw_13.weight", "backbone.conv_pw_13.weight"])
        let tapExtractor = TapExtractor(backbone: backbone, tail: tail)
        var rng = SeededRandom(seed: 2)
        let images = (0..<3).map { _ in RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { _ in UInt8(rng.next() % 256) }) }
        let direct = try backbone.features(of: images)
        let viaTail = tail(try tapExtractor.features(images))
        XCTAssertLessThan(viaTail.maxAbsDifference(direct), 1e-3 * max(direct.scalars.map(abs).max()!, 1))

        // One training step moves the tail's weights.
        let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 8, classCounts: [2], seed: 1)
        let maps = try tapExtractor.features(images)
        let before = tail.layers[1].weight.value
        let set = FeatureSet(features: maps, labels: [[0, 1, 0]])
        var settings = TrainingSettings.standard
        settings.epochs = 2; settings.batchSize = 3
        _ = Trainer.fit(head: head, tail: tail, train: set, validation: set, settings: settings)
        XCTAssertGreaterThan(tail.layers[1].weight.value.maxAbsDifference(before), 0)

        // Save with the trained blocks, reload, rebuild the tail from a fresh backbone: same probabilities.
        var info = ModelInfo(backbone: .init(name: backbone.name, weightsSHA256: backbone.weightsSHA256, featureCount: backbone.featureCount),
                             inputSize: 32, normalization: backbone.normalization, preprocessing: "aligned",
                             tasks: [TaskInfo(name: "t", labels: ["a", "b"])], hidden: 8, dropout: 0.5, settings: settings,
                             testSplit: [], history: [])
        info.unfrozen = .init(blocks: 1, tap: tail.tap, layers: ["conv_dw_13", "conv_pw_13"])
        let model = MultiTaskModel(info: info, head: head, tail: tail)
        let folder = try TemporaryFolder()
        try model.save(to: folder.path + "/u.fcw")
        let loaded = try MultiTaskModel(path: folder.path + "/u.fcw")
        let fresh = try Backbone.random(.keras(.mobilenet), seed: 3, inputSize: 32)
        let extractor = try loaded.extractor(for: fresh, modelPath: folder.path + "/u.fcw")
        XCTAssertEqual(extractor.featureCount, 1 * 1 * 1024)
        XCTAssertEqual(loaded.probabilities(features: try extractor.features(images)), model.probabilities(features: maps))
        XCTAssertThrowsError(try loaded.extractor(for: try Backbone.random(.keras(.mobilenet), seed: 4, inputSize: 32), modelPath: "u.fcw"))
    }

    /// Tails with branches, concatenations and shortcuts (InceptionV3 with the 2015 max-pool block,
    /// MobileNetV2 across a residual block) reproduce the backbone, train, and round-trip.
    func testBranchedTailsReproduceBackboneTrainAndRoundTrip() throws {
        let cases: [(BackboneConfiguration, Int, Int, String, Int)] = [
            (.inception2015, 75, 1, "mixed9", 9), (.keras(.inceptionv3), 75, 2, "mixed8", 18),
            (.keras(.mobilenetv2), 32, 1, "block_16_project", 1), (.keras(.mobilenetv2), 32, 3, "block_14_add", 7),
        ]
        for (configuration, size, blocks, tap, convolutions) in cases {
            let what = "\(configuration.architecture) --unfreeze \(blocks)"
            let backbone = try Backbone.random(configuration, seed: 3, inputSize: size)
            let tail = try BackboneTail(backbone: backbone, blocks: blocks)
            XCTAssertEqual(tail.tap, tap, what)
            XCTAssertEqual(tail.layers.count, convolutions, what)
            var rng = SeededRandom(seed: 2)
            let images = (0..<3).map { _ in RGBImage(width: size, height: size, pixels: (0..<(size * size * 3)).map { _ in UInt8(rng.next() % 256) }) }
            let tapExtractor = TapExtractor(backbone: backbone, tail: tail)
            let maps = try tapExtractor.features(images)
            let direct = try backbone.features(of: images)
            XCTAssertLessThan(tail(maps).maxAbsDifference(direct), 1e-3 * max(direct.scalars.map(abs).max()!, 1), what)

            // Training moves the first and the last convolution of the tail (gradients cross every branch).
            // (64 hidden units: with 8, all can be dead on InceptionV3's random features.)
            let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 64, classCounts: [2], seed: 1)
            let before = (tail.layers.first!.weight.value, tail.layers.last!.weight.value)
            let set = FeatureSet(features: maps, labels: [[0, 1, 0]])
            var settings = TrainingSettings.standard
            settings.epochs = 2; settings.batchSize = 3; settings.unfreeze = blocks
            _ = Trainer.fit(head: head, tail: tail, train: set, validation: set, settings: settings)
            XCTAssertGreaterThan(tail.layers.first!.weight.value.maxAbsDifference(before.0), 0, what)
            XCTAssertGreaterThan(tail.layers.last!.weight.value.maxAbsDifference(before.1), 0, what)

            var info = ModelInfo(backbone: .init(name: backbone.name, weightsSHA256: backbone.weightsSHA256, featureCount: backbone.featureCount),
                                 inputSize: size, normalization: backbone.normalization, preprocessing: "aligned",
                                 tasks: [TaskInfo(name: "t", labels: ["a", "b"])], hidden: 64, dropout: 0.5, settings: settings,
                                 testSplit: [], history: [])
            info.unfrozen = .init(blocks: blocks, tap: tail.tap, layers: tail.layers.map {
                String($0.weight.name.dropFirst(BackboneTail.prefix.count).dropLast(".weight".count)) })
            let model = MultiTaskModel(info: info, head: head, tail: tail)
            let folder = try TemporaryFolder()
            try model.save(to: folder.path + "/u.fcw")
            let loaded = try MultiTaskModel(path: folder.path + "/u.fcw")
            let extractor = try loaded.extractor(for: try Backbone.random(configuration, seed: 3, inputSize: size), modelPath: folder.path + "/u.fcw")
            XCTAssertEqual(loaded.probabilities(features: try extractor.features(images)), model.probabilities(features: maps), what)
        }
    }

    func testTooManyBlocksAreRefused() throws {
        let v2 = try Backbone.random(.keras(.mobilenetv2), seed: 1, inputSize: 32)
        XCTAssertThrowsError(try BackboneTail(backbone: v2, blocks: 17))
        let inception = try Backbone.random(.keras(.inceptionv3), seed: 1, inputSize: 75)
        XCTAssertThrowsError(try BackboneTail(backbone: inception, blocks: 11))
    }
}
