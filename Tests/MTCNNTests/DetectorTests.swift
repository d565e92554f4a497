import Foundation
import ImageIO
import MTCNN
import Tensor
import XCTest

final class DetectorTests: XCTestCase {
    func testImagesWithoutFacesOfAnySize() {
        let detector = Fixture.detector
        for (w, h) in [(1, 1), (11, 40), (12, 12), (13, 13), (1000, 3), (300, 200), (24, 700)] {
            XCTAssertEqual(detector.detect(RGBImage(width: w, height: h)), [], "\(w)×\(h) black")
        }
        var rng = SeededRandom(seed: 5)
        let noise = RGBImage(width: 97, height: 61, pixels: (0..<(97 * 61 * 3)).map { _ in UInt8(rng.next() % 256) })
        XCTAssertEqual(detector.detect(noise), [])
    }

    /// Reused buffers and more threads change nothing.
    func testRepeatableAcrossCallsSizesAndThreads() throws {
        let image = try loadSharedImage("bench/mtcnn_group_640x480.png")
        let other = try loadSharedImage("detection/ivan.jpg")
        let detector = try MTCNNDetector(weightsPath: Fixture.weightsPath)
        let first = detector.detect(image)
        XCTAssertEqual(first.count, 8)
        _ = detector.detect(other)
        XCTAssertEqual(detector.detect(image), first)
        detector.options.threads = 3
        XCTAssertEqual(detector.detect(image), first)
        XCTAssertEqual(detector.detect(other).count, 1)
    }

    func testOptions() throws {
        let image = try loadSharedImage("bench/mtcnn_group_640x480.png")
        let detector = try MTCNNDetector(weightsPath: Fixture.weightsPath,
                                         options: MTCNNOptions(thresholds: (0.6, 0.7, 0.99999)))
        let strict = detector.detect(image)
        XCTAssertLessThan(strict.count, 8)
        XCTAssertTrue(strict.allSatisfy { $0.confidence > 0.99999 })
        detector.options = MTCNNOptions(minFaceSize: 200)
        // Faces here are 50–100 px: a 200 px minimum keeps at most the largest ones.
        let large = detector.detect(image)
        XCTAssertLessThan(large.count, 4)
        XCTAssertTrue(large.allSatisfy { $0.box.width > 75 })
        XCTAssertNil(MTCNNOptions().validationError)
        XCTAssertNotNil(MTCNNOptions(minFaceSize: 5).validationError)
        XCTAssertNotNil(MTCNNOptions(thresholds: (0.6, 1.5, 0.7)).validationError)
    }

    func testMissingOrDamagedWeightsThrowNamingTheFile() throws {
        XCTAssertThrowsError(try MTCNNDetector(weightsPath: "/nonexistent/mtcnn.fcw")) {
            XCTAssertTrue(String(describing: $0).contains("/nonexistent/mtcnn.fcw"))
        }
        XCTAssertNotNil(MTCNNDetector.defaultWeightsPath())
    }

    func testLandmarkNamingOnAnUprightFace() throws {
        let face = try XCTUnwrap(Fixture.detector.detect(try loadSharedImage("detection/ivan.jpg")).first)
        let l = face.landmarks
        XCTAssertLessThan(l.leftEye.x, l.rightEye.x)
        XCTAssertLessThan(l.mouthLeft.x, l.mouthRight.x)
        XCTAssertLessThan(l.leftEye.y, l.nose.y)
        XCTAssertLessThan(l.nose.y, l.mouthLeft.y)
        // ivan.reference.json (another MTCNN port): box [277, 90, 48, 63].
        XCTAssertGreaterThan(face.box.iou(FaceBox(x: 277, y: 90, width: 48, height: 63)), 0.8)
    }
}
