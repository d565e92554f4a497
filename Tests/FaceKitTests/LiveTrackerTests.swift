import FaceKit
import ImageIO
import MTCNN
import TestData
import XCTest

final class LiveTrackerTests: XCTestCase {
    /// `image` shifted right/down by (dx, dy) on a grey canvas of the same size.
    func shifted(_ image: RGBImage, _ dx: Int, _ dy: Int) -> RGBImage {
        var out = RGBImage(width: image.width, height: image.height, pixels: [UInt8](repeating: 60, count: image.pixels.count))
        for y in 0..<image.height where y - dy >= 0 && y - dy < image.height {
            for x in 0..<image.width where x - dx >= 0 && x - dx < image.width {
                for c in 0..<3 { out.pixels[(y * image.width + x) * 3 + c] = image.pixels[((y - dy) * image.width + x - dx) * 3 + c] }
            }
        }
        return out
    }

    func detector() throws -> MTCNNDetector {
        guard MTCNNDetector.defaultWeightsPath() != nil else { throw XCTSkip("Weights/mtcnn.fcw not present") }
        return try MTCNNDetector()
    }

    func testRefinementFollowsAMovingFaceAsFullDetectionFindsIt() throws {
        let base = try RGBImage(contentsOf: try SharedData.path("bench/mtcnn_single_640x480.png"))
        let d = try detector()
        let tracker = FaceTracker(detector: d, options: .init(detectEvery: 8))
        var ids = Set<Int>()
        for k in 0..<16 {
            let frame = shifted(base, 3 * k, 2 * k)
            let tracks = tracker.update(frame)
            let full = d.detect(frame)
            XCTAssertEqual(tracks.count, full.count, "frame \(k)")
            for t in tracks {
                ids.insert(t.id)
                let best = full.map { $0.box.iou(t.face.box) }.max() ?? 0
                XCTAssertGreaterThan(best, 0.75, "frame \(k): tracked box \(t.face.box) far from the detected ones")
            }
        }
        XCTAssertEqual(ids.count, d.detect(base).count, "a face keeps its track id while it moves")
        XCTAssertEqual(tracker.fullDetections, 2)
        XCTAssertEqual(tracker.refinements, 14)
    }

    func testALostFaceEndsItsTrackAndANewOneGetsANewID() throws {
        let base = try RGBImage(contentsOf: try SharedData.path("bench/mtcnn_single_640x480.png"))
        let blank = RGBImage(width: base.width, height: base.height, pixels: [UInt8](repeating: 60, count: base.pixels.count))
        let tracker = FaceTracker(detector: try detector(), options: .init(detectEvery: 100))
        let first = tracker.update(base)
        XCTAssertFalse(first.isEmpty)
        XCTAssertEqual(tracker.update(blank).count, 0, "refinement fails, full detection finds nothing")
        XCTAssertEqual(tracker.fullDetections, 2)
        let again = tracker.update(base)
        XCTAssertEqual(again.count, first.count)
        XCTAssertTrue(Set(again.map(\.id)).isDisjoint(with: first.map(\.id)))
    }

    func testRefineOnNoFaceAndOutsideTheImageGivesNil() throws {
        let d = try detector()
        let blank = RGBImage(width: 200, height: 200, pixels: [UInt8](repeating: 90, count: 200 * 200 * 3))
        XCTAssertEqual(d.refine(blank, around: [FaceBox(x: 50, y: 50, width: 80, height: 80), FaceBox(x: 500, y: 500, width: 40, height: 40)]), [nil, nil])
    }

    func testLabelSmootherAveragesTheLastFramesOfEachTrack() {
        var s = LabelSmoother(window: 2)
        XCTAssertEqual(s.add(track: 1, probabilities: [[1, 0]]), [[1, 0]])
        XCTAssertEqual(s.add(track: 2, probabilities: [[0, 1]]), [[0, 1]])
        XCTAssertEqual(s.add(track: 1, probabilities: [[0, 1]]), [[0.5, 0.5]])
        XCTAssertEqual(s.add(track: 1, probabilities: [[0, 1]]), [[0, 1]], "the window forgets the oldest frame")
        s.keep(only: [1])
        XCTAssertEqual(s.add(track: 2, probabilities: [[1, 0]]), [[1, 0]], "a forgotten track starts afresh")
    }
}
