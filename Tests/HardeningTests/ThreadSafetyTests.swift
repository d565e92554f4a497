import FaceKit
import Foundation
import ImageIO
import Layers
import MTCNN
import MTLNet
import Synchronization
import Tensor
import XCTest

/// Library pieces that must be safe to use from several threads at once. Run under
/// ThreadSanitizer by tools/sanitizers.sh (filter `ThreadSafety`).
final class ThreadSafetyTests: XCTestCase {
    /// Back-to-back jobs with different chunk counts on an oversubscribed pool: a worker that
    /// finishes the last chunk of one job must not claim (or read the size of) the next one.
    /// Every index of every job is counted exactly once and no chunk runs after its job returned.
    func testBackToBackJobsOfDifferentSizesCoverEachIndexOnce() {
        let pool = ThreadPool(threadCount: 4)
        defer { pool.threadCount = 1 }
        pool.spinNanoseconds = 2_000_000   // keep workers spinning between jobs: the racy case
        let slots = 8
        let counts = (0..<slots).map { _ in Counter() }
        var wrong = 0
        for iteration in 0..<20_000 {
            let count = 2 + iteration % (slots - 1)          // 2…8 items: 2, 3 or 4 chunks
            pool.parallelFor(count) { range in
                for i in range { counts[i].value.wrappingAdd(1, ordering: .relaxed) }
            }
            for i in 0..<slots {
                let seen = counts[i].value.exchange(0, ordering: .relaxed)
                if seen != (i < count ? 1 : 0) { wrong += 1 }
            }
        }
        XCTAssertEqual(wrong, 0, "indices visited other than once (a chunk ran twice, late or never)")
    }

    /// Decoding is documented as free of shared state: several threads decode at once and each
    /// gets exactly the single-threaded result.
    func testConcurrentDecodingGivesTheSingleThreadedResult() throws {
        var pixels = [UInt8](repeating: 0, count: 48 * 32 * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i &* 7 &+ i / 97) }
        let image = RGBImage(width: 48, height: 32, pixels: pixels)
        let files = [try ImageEncoder.png(image), try ImageEncoder.jpeg(image, quality: 80)]
        let reference = try files.map { try ImageDecoder().decode($0, name: "ref") }
        let mismatches = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let decoder = ImageDecoder()
            for k in 0..<200 {
                let which = (worker + k) % files.count
                guard let decoded = try? decoder.decode(files[which], name: "t\(worker)"), decoded == reference[which] else {
                    mismatches.wrappingAdd(1, ordering: .relaxed); continue
                }
            }
        }
        XCTAssertEqual(mismatches.load(ordering: .relaxed), 0)
    }

    // MARK: - Prediction API

    /// Varied inputs from the demo photo: the photo, its mirror, crops and rescalings (different
    /// sizes give the networks different plans and pyramids, the case where shared buffers clash).
    private func images() throws -> [RGBImage] {
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../demo/astronaut.png").standardized.path
        let photo = try ImageDecoder().decode(path: demo)
        return [photo, Augmentation.transform(photo, flip: true),
                photo.cropped(x: 100, y: 20, width: 300, height: 260), photo.resized(width: 200, height: 240),
                photo.cropped(x: 0, y: 200, width: 512, height: 312), photo.resized(width: 96, height: 96)]
    }

    /// Runs `work(i)` for every input on `threads` threads at once, each thread going through all
    /// inputs from a different start, `rounds` times; returns the inputs whose result ever differed
    /// from `expected` (the single-threaded results).
    private func concurrently<T: Equatable>(_ count: Int, threads: Int = 4, rounds: Int = 2, expected: [T],
                                            _ work: @escaping (Int) throws -> T) -> [Int] {
        let differing = NSLock()
        var wrong = Set<Int>()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for r in 0..<(rounds * count) {
                let i = (t + r) % count
                let result = try? work(i)
                if result != expected[i] { differing.lock(); wrong.insert(i); differing.unlock() }
            }
        }
        return wrong.sorted()
    }

    func testConcurrentDetectionGivesTheSingleThreadedResult() throws {
        let detector = try MTCNNDetector()
        let inputs = try images()
        let expected = inputs.map { detector.detect($0) }
        XCTAssertFalse(expected[0].isEmpty, "the demo photo has a face")
        XCTAssertEqual(concurrently(inputs.count, expected: expected) { detector.detect(inputs[$0]) }, [],
                       "images whose detections differed under concurrency")
        // Tracking (O-Net only) shares the same buffers.
        let boxes = expected.map { $0.map(\.box) }
        let refined = inputs.indices.map { detector.refine(inputs[$0], around: boxes[$0]) }
        XCTAssertEqual(concurrently(inputs.count, expected: refined) { detector.refine(inputs[$0], around: boxes[$0]) }, [])
    }

    func testConcurrentBackboneFeaturesGiveTheSingleThreadedResult() throws {
        let backbone = try WeightsLocation.backbone("mobilenet")
        let inputs = try images()
        // Batches of 1, 2 and 3 faces: each batch size has its own plan in the engine.
        let batches = inputs.indices.map { Array(inputs[$0...].prefix(1 + $0 % 3)) }
        let expected = try batches.map { try backbone.features(of: $0) }
        XCTAssertEqual(concurrently(batches.count, expected: expected) { try backbone.features(of: batches[$0]) }, [])
    }

    /// `FaceRecognizer` (detect → align → backbone → heads) and `OpenSetClassifier` (backbone →
    /// heads → gallery) with the shipped model, called from several threads at once.
    /// A gallery in the shared-layer space with a random prototype per person of `model` (the
    /// shipped model may have none; the point here is only that the gallery path runs).
    private func gallery(for model: MultiTaskModel) throws -> PersonGallery {
        let people = try XCTUnwrap(model.info.tasks.first { $0.name == "person" }).labels
        let dim = model.info.hidden
        var rng = SeededRandom(seed: 5)
        let path = NSTemporaryDirectory() + "gallery-\(UUID().uuidString).fcw"
        defer { unlink(path) }
        try WeightFile.write(path: path, tensors: [
            ("open_set.prototypes", Tensor(randomUniform: [people.count, dim], in: -1...1, using: &rng)),
            ("open_set.mean", Tensor(zeros: [dim])), ("open_set.scale", Tensor(shape: [dim], scalars: [Float](repeating: 1, count: dim))),
        ], metadata: [PersonGallery.metadataKey: ["space": "shared", "threshold": 0.2, "removed": [String](),
                                                   "people": people.map { ["name": $0, "count": 1, "enrolled": false] }]])
        return try XCTUnwrap(try PersonGallery(file: WeightFile(path: path)))
    }

    func testConcurrentRecognitionGivesTheSingleThreadedResult() throws {
        let model = try XCTUnwrap(WeightsLocation.path(WeightsLocation.defaultModel), "the shipped model is in Weights/")
        let recognizer = try FaceRecognizer(modelPath: model)
        let inputs = try images()
        struct Answer: Equatable { var boxes: [FaceBox?]; var predictions: [[TaskPrediction]] }
        func answer(_ i: Int) throws -> Answer {
            let faces = try recognizer.recognize(inputs[i], aligned: i % 2 == 1)
            return Answer(boxes: faces.map { $0.detection?.box }, predictions: faces.map(\.predictions))
        }
        let expected = try inputs.indices.map(answer)
        XCTAssertFalse(expected[0].predictions.isEmpty)
        XCTAssertEqual(concurrently(inputs.count, rounds: 1, expected: expected) { try answer($0) }, [], "FaceRecognizer")

        let classifier = try OpenSetClassifier(modelPath: model)
        if classifier.gallery == nil { classifier.gallery = try gallery(for: classifier.model) }   // set before sharing
        let crops = inputs.map { [$0.centerSquare(size: classifier.inputSize), $0.resized(width: 100, height: 140)] }
        let scores = try crops.map { try classifier.scores($0) }
        XCTAssertEqual(concurrently(crops.count, expected: scores) { try classifier.scores(crops[$0]) }, [], "OpenSetClassifier")
        let predictions = scores.map { $0.map(classifier.predictions) }
        XCTAssertEqual(concurrently(crops.count, expected: predictions) { try classifier.scores(crops[$0]).map(classifier.predictions) }, [])
    }
}

/// `Atomic` is not copyable, so it cannot sit in an array directly.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
