import Foundation
import ImageIO
import MTCNN
import Tensor
import XCTest

final class AlignmentTests: XCTestCase {
    /// A similarity of the template (rotated 25°, scaled 2.5, shifted) as "detected" landmarks.
    private func tiltedLandmarks(size: Int) -> (FaceLandmarks, SimilarityTransform) {
        let angle: Float = 25 * .pi / 180, scale: Float = 2.5
        let t = SimilarityTransform(a: scale * Foundation.cos(angle), b: scale * Foundation.sin(angle), tx: 140, ty: 40)
        let canonical = FaceAligner(size: size).canonicalLandmarks
        return (FaceLandmarks(points: canonical.map(t.apply)), t)
    }

    func testSimilarityEstimateRecoversKnownTransform() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let angle = rng.nextFloat(in: -3...3), scale = rng.nextFloat(in: 0.2...5)
            let t = SimilarityTransform(a: scale * Foundation.cos(angle), b: scale * Foundation.sin(angle),
                                        tx: rng.nextFloat(in: -100...100), ty: rng.nextFloat(in: -100...100))
            let source = (0..<5).map { _ in SIMD2(rng.nextFloat(in: 0...200), rng.nextFloat(in: 0...200)) }
            let e = SimilarityTransform.estimate(from: source, to: source.map(t.apply))
            XCTAssertEqual(e.a, t.a, accuracy: 1e-3 * scale); XCTAssertEqual(e.b, t.b, accuracy: 1e-3 * scale)
            XCTAssertEqual(e.tx, t.tx, accuracy: 0.05); XCTAssertEqual(e.ty, t.ty, accuracy: 0.05)
            let back = e.inverse.apply(e.apply(source[0]))
            XCTAssertEqual(back.x, source[0].x, accuracy: 1e-2); XCTAssertEqual(back.y, source[0].y, accuracy: 1e-2)
        }
    }

    /// Bright discs drawn at the landmarks of a tilted face must come out of the aligned crop at
    /// the canonical positions (within 1 px), for both methods and two sizes.
    func testLandmarksLandOnCanonicalPositions() {
        for size in [128, 112] {
            let (landmarks, _) = tiltedLandmarks(size: size)
            var image = RGBImage(width: 480, height: 420)
            for (k, p) in landmarks.points.enumerated() {
                for y in 0..<image.height {
                    for x in 0..<image.width where (Float(x) - p.x) * (Float(x) - p.x) + (Float(y) - p.y) * (Float(y) - p.y) <= 36 {
                        image.pixels[(y * image.width + x) * 3 + 0] = 255
                        image.pixels[(y * image.width + x) * 3 + 1] = UInt8(40 * (k + 1))
                    }
                }
            }
            for method in FaceAligner.Method.allCases {
                let aligner = FaceAligner(size: size, method: method)
                let crop = aligner.align(image, landmarks: landmarks)
                XCTAssertEqual(crop.width, size); XCTAssertEqual(crop.height, size)
                for (k, target) in aligner.canonicalLandmarks.enumerated() {
                    // Weighted centroid of the pixels of disc k (its green level identifies it).
                    var sum = SIMD2<Float>.zero, weight: Float = 0
                    for y in 0..<size {
                        for x in 0..<size {
                            let r = Float(crop.pixels[(y * size + x) * 3]), g = Float(crop.pixels[(y * size + x) * 3 + 1])
                            if r > 0, abs(g / r * 255 - Float(40 * (k + 1))) < 20 {
                                sum += SIMD2(Float(x), Float(y)) * r; weight += r
                            }
                        }
                    }
                    XCTAssertGreaterThan(weight, 0, "\(method) \(size): landmark \(k) missing from the crop")
                    let c = sum / max(weight, 1)
                    XCTAssertLessThanOrEqual(((c - target) * (c - target)).sum().squareRoot(), 1,
                                             "\(method) \(size): landmark \(k) at \(c), canonical \(target)")
                }
            }
        }
    }

    func testEyesLevelMethodLevelsTheEyes() {
        let (landmarks, _) = tiltedLandmarks(size: 128)
        var skewed = landmarks
        skewed.nose += SIMD2(5, -3)           // the other points do not influence this method
        let aligner = FaceAligner(size: 128, method: .eyesLevel)
        let t = aligner.transform(for: skewed)
        let l = t.apply(skewed.leftEye), r = t.apply(skewed.rightEye)
        XCTAssertEqual(l.y, r.y, accuracy: 1e-3)
        XCTAssertEqual(r.x - l.x, aligner.canonicalLandmarks[1].x - aligner.canonicalLandmarks[0].x, accuracy: 1e-3)
        XCTAssertEqual(t, aligner.transform(for: landmarks))
    }

    func testWarpMatchesNaiveWarpAffine() {
        var rng = SeededRandom(seed: 3)
        let w = 37, h = 29
        let image = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8(rng.next() % 256) })
        let m = SimilarityTransform(a: 0.8, b: 0.3, tx: -2.5, ty: 4.25)
        let out = FaceAligner.warp(image, inverse: m, size: 24)
        var reference = [Float](repeating: 0, count: 24 * 24 * 3)
        let input = image.pixels.map(Float.init)
        input.withUnsafeBufferPointer { i in
            reference.withUnsafeMutableBufferPointer { o in
                Naive.warpAffine(input: i.baseAddress!, height: h, width: w, channels: 3,
                                 inverseMatrix: [m.a, -m.b, m.tx, m.b, m.a, m.ty], output: o.baseAddress!, outHeight: 24, outWidth: 24)
            }
        }
        for i in reference.indices { XCTAssertEqual(Float(out.pixels[i]), reference[i], accuracy: 0.51) }
    }

    /// End to end on a real photo: the detector run again on the aligned crop finds the face with its
    /// landmarks near the canonical positions.
    func testRealFaceAlignsOntoTemplate() throws {
        let image = try loadSharedImage("detection/ivan.jpg")
        let face = try XCTUnwrap(Fixture.detector.detect(image).first)
        let aligner = FaceAligner(size: 128)
        let crop = aligner.align(image, landmarks: face.landmarks)
        let again = try XCTUnwrap(Fixture.detector.detect(crop).first, "no face in the aligned crop")
        for (p, target) in zip(again.landmarks.points, aligner.canonicalLandmarks) {
            XCTAssertLessThanOrEqual(((p - target) * (p - target)).sum().squareRoot(), 5, "landmark \(p) vs \(target)")
        }
    }
}
