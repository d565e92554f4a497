import Foundation
import ImageIO
import MTCNN
import Support
import Tensor
import XCTest

/// Each stage of the detector against facenet-pytorch 2.6.0 on real images (goldens from
/// tools/gen_mtcnn_goldens.py): P-Net maps at one scale, R-Net and O-Net on the reference's own
/// crops, and the final detections.
final class GoldenStageTests: XCTestCase {
    /// The goldens were computed on Pillow's decode; ours must give the same pixels or the other
    /// comparisons would not be like for like.
    func testDecodedPixelsMatchReference() throws {
        for g in try Golden.all() {
            let image = try loadSharedImage(g.image)
            XCTAssertEqual(image.pixels.withUnsafeBytes { SHA256.hex($0) }, g.pixels_sha256, "\(g.image): decoded pixels differ from Pillow's")
        }
    }

    func testPyramidMatchesReference() throws {
        for g in try Golden.all() {
            guard let p = g.pnet else { continue }
            let levels = Fixture.detector.pyramidLevels(width: g.width, height: g.height)
            XCTAssertGreaterThan(levels.count, p.scale_index, g.image)
            let l = levels[p.scale_index]
            XCTAssertEqual(l.scale, p.scale, accuracy: 1e-12, g.image)
            XCTAssertEqual(l.height, p.in_height, g.image)
            XCTAssertEqual(l.width, p.in_width, g.image)
        }
    }

    func testPNetMapsMatchReference() throws {
        var checked = 0
        for g in try Golden.all() {
            guard let p = g.pnet else { continue }
            let image = try loadSharedImage(g.image)
            let maps = Fixture.detector.pnetOutput(image, level: p.scale_index)
            XCTAssertEqual(maps.shape, [p.out_height, p.out_width, 6], g.image)
            guard maps.shape == [p.out_height, p.out_width, 6] else { continue }
            var worstProb: Float = 0, worstReg: Float = 0
            for cell in 0..<(p.out_height * p.out_width) {
                let o = Array(maps.scalars[(cell * 6)..<(cell * 6 + 6)])
                let prob = 1 / (1 + Foundation.exp(o[0] - o[1]))
                worstProb = max(worstProb, abs(prob - p.prob[cell]))
                for k in 0..<4 { worstReg = max(worstReg, abs(o[2 + k] - p.reg[cell * 4 + k])) }
            }
            XCTAssertLessThan(worstProb, 1e-4, "\(g.image): P-Net probability")
            XCTAssertLessThan(worstReg, 1e-3, "\(g.image): P-Net regression")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 5)
    }

    /// Stage 1 end to end (pyramid, P-Net, thresholds, both NMS passes, regression, squaring, crops).
    func testProposalsMatchReference() throws {
        var checked = 0
        for g in try Golden.all() {
            guard let r = g.rnet else { continue }
            let crops = Fixture.detector.proposalCrops(try loadSharedImage(g.image))
            XCTAssertEqual(crops.count, r.count, "\(g.image): number of R-Net crops")
            for (mine, ref) in zip(crops, r.crops) {
                XCTAssertEqual([mine.x0, mine.y0, mine.x1, mine.y1], ref, "\(g.image)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 5)
    }

    func testRNetOnReferenceCrops() throws {
        try checkStage(size: 24) { $0.rnet }
    }

    func testONetOnReferenceCrops() throws {
        try checkStage(size: 48) { $0.onet }
    }

    private func checkStage(size: Int, _ stage: (Golden) -> Golden.Stage?) throws {
        var checked = 0
        for g in try Golden.all() {
            guard let s = stage(g) else { continue }
            let image = try loadSharedImage(g.image)
            let rects = s.crops.map { (x0: $0[0], y0: $0[1], x1: $0[2], y1: $0[3]) }
            let out = Fixture.detector.stageOutput(image, rects: rects, size: size)
            let width = out.shape[1]
            var worstProb: Float = 0, worstReg: Float = 0, worstLandmark: Float = 0
            for k in rects.indices {
                let o = Array(out.scalars[(k * width)..<((k + 1) * width)])
                worstProb = max(worstProb, abs(1 / (1 + Foundation.exp(o[0] - o[1])) - s.prob[k]))
                for j in 0..<4 { worstReg = max(worstReg, abs(o[2 + j] - s.reg[k][j])) }
                if let lm = s.landmarks {
                    for j in 0..<10 { worstLandmark = max(worstLandmark, abs(o[6 + j] - lm[k][j])) }
                }
            }
            XCTAssertLessThan(worstProb, 1e-3, "\(g.image): \(size)-px stage probability")
            XCTAssertLessThan(worstReg, 1e-3, "\(g.image): \(size)-px stage regression")
            XCTAssertLessThan(worstLandmark, 1e-3, "\(g.image): \(size)-px stage landmarks")
            checked += rects.count
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testDetectionsMatchReference() throws {
        var faces = 0
        for g in try Golden.all() {
            let image = try loadSharedImage(g.image)
            XCTAssertEqual(image.width, g.width); XCTAssertEqual(image.height, g.height)
            let found = Fixture.detector.detect(image)
            XCTAssertEqual(found.count, g.faces.count, "\(g.image): number of faces")
            for ref in g.faces {
                let box = FaceBox(x: ref.box[0], y: ref.box[1], width: ref.box[2] - ref.box[0], height: ref.box[3] - ref.box[1])
                guard let best = found.max(by: { $0.box.iou(box) < $1.box.iou(box) }) else { continue }
                XCTAssertGreaterThanOrEqual(best.box.iou(box), 0.95, "\(g.image): box \(ref.box)")
                XCTAssertEqual(best.confidence, ref.prob, accuracy: 1e-3, "\(g.image): probability")
                for (p, r) in zip(best.landmarks.points, ref.landmarks) {
                    XCTAssertLessThanOrEqual(((p.x - r[0]) * (p.x - r[0]) + (p.y - r[1]) * (p.y - r[1])).squareRoot(), 2,
                                             "\(g.image): landmark \(p) vs \(r)")
                }
            }
            XCTAssertEqual(found.map(\.confidence), found.map(\.confidence).sorted(by: >), "\(g.image): order")
            faces += g.faces.count
        }
        XCTAssertGreaterThan(faces, 20)
    }
}
