import Foundation
import XCTest
import MTLNet
import Tensor

/// The InceptionV3 weights are converted on the user's machine (unclear licence, not committed):
/// when `Weights/inceptionv3.fcw` exists, its features must match the TorchScript reference that the
/// converter stored beside it (`Weights/inceptionv3.check.json`).
final class BackboneInceptionV3WeightsTests: XCTestCase {
    struct Check: Decodable {
        let input_seed: UInt64
        let batch: Int
        let size: Int
        let reference: String
        let weights_sha256: String
        let features: [[Float]]
    }

    func testConvertedWeightsMatchTheTorchScript() throws {
        let weights = BackboneImageNetTests.repository.appendingPathComponent("Weights/inceptionv3.fcw")
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw XCTSkip("Weights/inceptionv3.fcw is not there; make it with: python3 tools/convert_inceptionv3.py")
        }
        let check = try JSONDecoder().decode(Check.self, from: Data(contentsOf: BackboneImageNetTests.repository
            .appendingPathComponent("Weights/inceptionv3.check.json")))
        let backbone = try Backbone(contentsOf: weights.path)
        XCTAssertEqual(backbone.weightsSHA256, check.weights_sha256, "check file belongs to another conversion")
        XCTAssertTrue(backbone.configuration.lastBlockMaxPool)
        let pixels = BackboneGoldenTests.seededPixels(seed: check.input_seed, batch: check.batch, size: check.size)
        let features = try backbone.features(ofPixels: pixels)
        let expected = check.features.flatMap { $0 }
        let worst = zip(features.scalars, expected).map { abs($0 - $1) }.max()!
        // fp16 storage of the weights.
        XCTAssertLessThan(worst / expected.map(abs).max()!, 0.01, "vs \(check.reference)")
    }
}
