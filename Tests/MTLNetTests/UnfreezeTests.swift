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
}
