import Foundation
import XCTest
import MTLNet
import Tensor

/// The converted ImageNet weights in `Weights/` classify real photos as the original networks do
/// (goldens from `tools/gen_backbone_goldens.py imagenet-tf|imagenet-torch`).
final class BackboneImageNetTests: XCTestCase {
    struct Golden: Decodable {
        let photos: [String]
        let size: Int
        let reference: String
        let top1: [Int]
        let top5: [[Int]]
        let logits: [[Float]]
    }

    static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = testDirectory.deletingLastPathComponent().deletingLastPathComponent()

    static func photos(_ names: [String], size: Int) throws -> Tensor {
        var values = [Float]()
        for name in names {
            let data = try Data(contentsOf: testDirectory.appendingPathComponent("Goldens/photo_\(name)_\(size).rgb"))
            precondition(data.count == size * size * 3, "photo \(name): \(data.count) bytes")
            values += data.map(Float.init)
        }
        return Tensor(shape: [names.count, size, size, 3], scalars: values)
    }

    func check(weights: String, golden: String) throws {
        let g = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.testDirectory
            .appendingPathComponent("Goldens/backbone_\(golden).json")))
        let backbone = try Backbone(contentsOf: Self.repository.appendingPathComponent("Weights/\(weights).fcw").path)
        let pixels = try Self.photos(g.photos, size: g.size)
        let logits = try backbone.logits(ofPixels: pixels)
        let classes = logits.shape[1]
        XCTAssertEqual(classes, g.logits[0].count)
        let expected = g.logits.flatMap { $0 }
        let scale = expected.map(abs).max()!
        let worst = zip(logits.scalars, expected).map { abs($0 - $1) }.max()!
        // fp16 storage of the weights: logits agree to ~0.35 % of their range (measured).
        XCTAssertLessThan(worst / scale, 0.01, "\(weights): logits vs \(g.reference)")
        for (i, photo) in g.photos.enumerated() {
            let row = Array(logits.scalars[(i * classes)..<((i + 1) * classes)])
            let top1 = row.indices.max { row[$0] < row[$1] }!
            XCTAssertEqual(top1, g.top1[i], "\(weights): top-1 of \(photo) vs \(g.reference)")
        }
        // At the project's 128 × 128 input the class stays among the reference's top five.
        var small = Tensor(zeros: [g.photos.count, 128, 128, 3])
        pixels.scalars.withUnsafeBufferPointer { src in
            small.scalars.withUnsafeMutableBufferPointer { dst in
                Naive.resizeBilinear(input: src.baseAddress!, batch: g.photos.count, height: g.size, width: g.size,
                                     channels: 3, output: dst.baseAddress!, outHeight: 128, outWidth: 128)
            }
        }
        let logits128 = try backbone.logits(ofPixels: small)
        for (i, photo) in g.photos.enumerated() {
            let row = Array(logits128.scalars[(i * classes)..<((i + 1) * classes)])
            let top1 = row.indices.max { row[$0] < row[$1] }!
            XCTAssertTrue(g.top5[i].contains(top1), "\(weights): top-1 of \(photo) at 128 is \(top1), not in \(g.top5[i])")
        }
    }

    func testMobileNetClassifiesLikeTheFrozenGraph() throws {
        try check(weights: "mobilenet", golden: "mobilenet_imagenet")
    }

    func testMobileNetV2ClassifiesLikeTorchvision() throws {
        try check(weights: "mobilenetv2", golden: "mobilenetv2_imagenet")
    }

    func testWeightFileDescribesItsBackbone() throws {
        let v1 = try Backbone(contentsOf: Self.repository.appendingPathComponent("Weights/mobilenet.fcw").path)
        XCTAssertEqual(v1.name, "mobilenet")
        XCTAssertEqual(v1.featureCount, 1024)
        XCTAssertEqual(v1.configuration.padding, .tfSame)
        XCTAssertFalse(v1.isRandom)
        let v2 = try Backbone(contentsOf: Self.repository.appendingPathComponent("Weights/mobilenetv2.fcw").path)
        XCTAssertEqual(v2.featureCount, 1280)
        XCTAssertEqual(v2.configuration.padding, .torch)
        XCTAssertEqual(v2.configuration.batchNormEpsilon, 1e-5)
    }
}
