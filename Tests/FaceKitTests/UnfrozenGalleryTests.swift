import FaceKit
import Foundation
import ImageIO
import MTLNet
import Tensor
import XCTest

final class UnfrozenGalleryTests: XCTestCase {
    /// With trained backbone blocks, the extractor's rows are the blocks' input maps: gallery
    /// embeddings must run the blocks first (they went straight into the head, whose shared layer
    /// then read past its 1024 inputs and gave a NaN unknown-person threshold).
    func testEmbeddingsOfAModelWithTrainedBlocksRunTheBlocks() throws {
        let backbone = try Backbone.random(.keras(.mobilenet), seed: 3, inputSize: 32)
        let tail = try BackboneTail(backbone: backbone, blocks: 1)
        var rng = SeededRandom(seed: 2)
        let images = (0..<3).map { _ in RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { _ in UInt8(rng.next() % 256) }) }
        let maps = try TapExtractor(backbone: backbone, tail: tail).features(images)
        let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 16, classCounts: [3], seed: 1)
        var info = ModelInfo(backbone: .init(name: backbone.name, weightsSHA256: backbone.weightsSHA256, featureCount: backbone.featureCount),
                             inputSize: 32, normalization: backbone.normalization, preprocessing: "aligned",
                             tasks: [TaskInfo(name: "person", labels: ["a", "b", "c"])], hidden: 16, dropout: 0.5,
                             settings: .standard, testSplit: [], history: [])
        info.unfrozen = .init(blocks: 1, tap: tail.tap, layers: ["conv_dw_13", "conv_pw_13"])
        let model = MultiTaskModel(info: info, head: head, tail: tail)
        let features = try backbone.features(of: images)
        for space in PersonGallery.Space.allCases where space != .identity {   // identity rows are descriptors, not features
            let viaMaps = PersonGallery.rawEmbeddings(maps, model: model, space: space)
            let direct = PersonGallery.rawEmbeddings(features, model: MultiTaskModel(info: info, head: head), space: space)
            XCTAssertEqual(viaMaps.shape, direct.shape, "\(space)")
            XCTAssertLessThan(viaMaps.maxAbsDifference(direct), 1e-3 * max(direct.scalars.map(abs).max()!, 1), "\(space)")
        }
    }
}
