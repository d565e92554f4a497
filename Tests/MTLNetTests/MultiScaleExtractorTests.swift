import ImageIO
import MTLNet
import Tensor
import XCTest

final class MultiScaleExtractorTests: XCTestCase {
    /// Features at 32 and 48 px joined, the 32-px pass seeing the 48-px crop area-resized.
    func testFeaturesAreEachScaleJoinedSmallestFirst() throws {
        let small = try Backbone.random(.keras(.mobilenet), seed: 3, inputSize: 32)
        let large = try Backbone.random(.keras(.mobilenet), seed: 3, inputSize: 48)
        let both = MultiScaleExtractor(scales: [small, large])
        XCTAssertEqual(both.inputSize, 48)
        XCTAssertEqual(both.featureCount, small.featureCount + large.featureCount)
        XCTAssertEqual(both.name, small.name)
        XCTAssertEqual(both.cacheIdentity, "32+48")
        XCTAssertNotEqual(both.cacheIdentity, large.cacheIdentity, "joined features must not share cache entries with one scale")

        var rng = SeededRandom(seed: 4)
        let crops = (0..<3).map { _ in RGBImage(width: 48, height: 48, pixels: (0..<(48 * 48 * 3)).map { _ in UInt8(rng.next() % 256) }) }
        let joined = try both.features(crops)
        let a = try small.features(crops.map { $0.centerSquare(size: 32) }), b = try large.features(crops)
        let fa = small.featureCount, fb = large.featureCount
        XCTAssertEqual(joined.shape, [3, fa + fb])
        for i in 0..<3 {
            XCTAssertEqual(Array(joined.scalars[(i * (fa + fb))..<(i * (fa + fb) + fa)]), Array(a.scalars[(i * fa)..<((i + 1) * fa)]))
            XCTAssertEqual(Array(joined.scalars[(i * (fa + fb) + fa)..<((i + 1) * (fa + fb))]), Array(b.scalars[(i * fb)..<((i + 1) * fb)]))
        }
    }
}
