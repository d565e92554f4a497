import FaceKit
import Foundation
import ImageIO
import MTCNN
import MTLNet
import Tensor
import XCTest

final class FaceRecognizerTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "facekit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// A model for a random MobileNet at 32 px: one prediction per task, probabilities that match
    /// the model's own (averaged with the mirror image, as the model asks), a wrong backbone refused.
    func testAlignedRecognitionFollowsTheModel() throws {
        let backbone = try Backbone.random(.keras(.mobilenet), seed: 5, inputSize: 32)
        let tasks = [TaskInfo(name: "person", labels: ["a", "b", "c"]), TaskInfo(name: "age_group", labels: ["old", "young"])]
        let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 16, classCounts: [3, 2], seed: 2)
        var settings = TrainingSettings.standard
        settings.testTimeFlip = true
        let info = ModelInfo(backbone: .init(name: backbone.name, weightsSHA256: backbone.weightsSHA256, featureCount: backbone.featureCount),
                             inputSize: 32, normalization: backbone.normalization, preprocessing: "aligned", tasks: tasks,
                             hidden: 16, dropout: 0.5, settings: settings, testSplit: [], history: [])
        let path = folder + "/m.fcw"
        try MultiTaskModel(info: info, head: head).save(to: path)

        let recognizer = try FaceRecognizer(modelPath: path, backbone: backbone, detect: false)
        var rng = SeededRandom(seed: 1)
        let image = RGBImage(width: 40, height: 36, pixels: (0..<(40 * 36 * 3)).map { _ in UInt8(rng.next() % 256) })
        let faces = try recognizer.recognize(image, aligned: true)
        XCTAssertEqual(faces.count, 1)
        XCTAssertNil(faces[0].detection)
        XCTAssertEqual(faces[0].predictions.map(\.task), ["person", "age_group"])

        let crop = image.centerSquare(size: 32)
        let features = try backbone.features(of: [crop, Augmentation.transform(crop, flip: true)])
        let p = recognizer.model.probabilities(features: features)
        for (k, prediction) in faces[0].predictions.enumerated() {
            let c = tasks[k].labels.count
            let mean = (0..<c).map { (p[k].scalars[$0] + p[k].scalars[c + $0]) / 2 }
            let best = mean.indices.max { mean[$0] < mean[$1] }!
            XCTAssertEqual(prediction.label, tasks[k].labels[best])
            XCTAssertEqual(prediction.probability, mean[best], accuracy: 1e-6)
        }

        let other = try Backbone.random(.keras(.mobilenet), seed: 6, inputSize: 32)
        XCTAssertThrowsError(try FaceRecognizer(modelPath: path, backbone: other, detect: false)) {
            XCTAssertTrue("\($0)".contains("was trained on mobilenet weights with sha256"), "\($0)")
        }
    }

    /// With a person gallery in the model, a face below the threshold is `unknown`, and the
    /// other tasks still answer; a face above it gets the head's answer.
    func testPersonGalleryAnswersUnknownBelowItsThreshold() throws {
        let backbone = try Backbone.random(.keras(.mobilenet), seed: 5, inputSize: 32)
        let tasks = [TaskInfo(name: "person", labels: ["a", "b"]), TaskInfo(name: "age_group", labels: ["old", "young"])]
        let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 8, classCounts: [2, 2], seed: 3)
        let info = ModelInfo(backbone: .init(name: backbone.name, weightsSHA256: backbone.weightsSHA256, featureCount: backbone.featureCount),
                             inputSize: 32, normalization: backbone.normalization, preprocessing: "aligned", tasks: tasks,
                             hidden: 8, dropout: 0.5, settings: .paper, testSplit: [], history: [])
        let path = folder + "/g.fcw"
        try MultiTaskModel(info: info, head: head).save(to: path)
        var rng = SeededRandom(seed: 2)
        let images = (0..<4).map { _ in RGBImage(width: 32, height: 32, pixels: (0..<(32 * 32 * 3)).map { _ in UInt8(rng.next() % 256) }) }
        let features = try backbone.features(of: images)
        var gallery = PersonGallery.build(names: ["a", "b"], space: .features, train: features, trainLabels: [0, 0, 1, 1],
                                          validation: features, validationLabels: [0, 0, 1, 1], falseAcceptRate: 0.5)
        gallery.threshold = 2   // no cosine similarity reaches it
        try gallery.save(intoModel: path)

        let recognizer = try FaceRecognizer(modelPath: path, backbone: backbone, detect: false)
        let strict = try recognizer.recognize(images[0], aligned: true)[0].predictions
        XCTAssertEqual(strict[0].label, PersonGallery.unknownLabel)
        XCTAssertTrue(["old", "young"].contains(strict[1].label))
        recognizer.classifier.unknownThreshold = -2   // every face is someone
        let open = try recognizer.recognize(images[0], aligned: true)[0].predictions
        let p = recognizer.model.probabilities(features: Tensor(shape: [1, features.shape[1]], scalars: Array(features.scalars[0..<features.shape[1]])))[0]
        XCTAssertEqual(open[0].label, p.scalars[0] >= p.scalars[1] ? "a" : "b")
    }
}
