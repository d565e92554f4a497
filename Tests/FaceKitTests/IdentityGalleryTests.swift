import FaceKit
import Foundation
import ImageIO
import MTCNN
import MTLNet
import Tensor
import XCTest

/// The identity space of the person gallery: MTCNN landmarks → dlib's chip → `FaceEmbedder`.
final class IdentityGalleryTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// dlib's descriptors of its own chips of the demo face (`tools/gen_face_embedding_goldens.py`).
    static func dlibDescriptors() throws -> [String: [Float]] {
        struct Golden: Decodable { struct Case: Decodable { let name: String; let dlib_descriptor: [Float] }; let cases: [Case] }
        let url = repository.appendingPathComponent("Tests/MTLNetTests/Goldens/face_embedding.json")
        let g = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        return Dictionary(uniqueKeysWithValues: g.cases.map { ($0.name, $0.dlib_descriptor) })
    }

    static func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }

    func testChipsFromMTCNNLandmarksDescribeTheFaceAsDlibsOwnAlignmentDoes() throws {
        let image = try ImageDecoder().decode(path: Self.repository.appendingPathComponent("demo/astronaut.png").path)
        let identity = try IdentityFeatures()
        guard let face = try MTCNNDetector().detect(image).max(by: { $0.box.width < $1.box.width }) else { return XCTFail("no face in the demo image") }
        let golden = try Self.dlibDescriptors()
        let ours = try identity.descriptors([identity.chip(image, landmarks: face.landmarks)]).scalars
        // dlib calls two faces one person below 0.6; its own chip and its mirror image are 0.19 apart.
        XCTAssertLessThan(Self.distance(ours, golden["astronaut"]!), 0.3)
        XCTAssertGreaterThan(Self.distance(ours, golden["random"]!), 0.6)

        // The same face given as an aligned crop (ArcFace alignment, as --aligned data is): the chip
        // is re-made from the landmarks found inside the crop.
        let crop = FaceAligner(size: 224).align(image, landmarks: face.landmarks)
        let fromCrop = try identity.descriptors([identity.chip(alignedCrop: crop)]).scalars
        XCTAssertLessThan(Self.distance(fromCrop, golden["astronaut"]!), 0.3)
        // A crop aligned otherwise (the face half the size, in the lower right: its landmarks a
        // quarter of the side from the template's): warped from the landmarks MTCNN finds in it.
        let centre = SIMD2<Float>(56, 56)
        let shifted = FaceAligner.Template(points: FaceAligner.arcFace112.map { centre + 0.5 * ($0 - centre) + SIMD2(28, 10) }, side: 112)
        let offCentre = FaceAligner(size: 224, template: shifted).align(image, landmarks: face.landmarks)
        let fromOffCentre = try identity.descriptors([identity.chip(alignedCrop: offCentre)]).scalars
        XCTAssertLessThan(Self.distance(fromOffCentre, golden["astronaut"]!), 0.3)
        let asIfCentred = FaceAligner.warp(offCentre, inverse: SimilarityTransform.estimate(
            from: FaceAligner(size: 224).canonicalLandmarks, to: identity.aligner.canonicalLandmarks).inverse, size: 150)
        XCTAssertGreaterThan(Self.distance(try identity.descriptors([asIfCentred]).scalars, golden["astronaut"]!), 0.3,
                             "the template would have misplaced this face")
    }

    /// A gallery in the identity space is neither centred nor scaled, and answers for every person
    /// (not only enrolled ones): a face whose descriptor is `b`'s is `b` whatever the head says.
    func testIdentityGalleryDecidesThePerson() throws {
        let folder = NSTemporaryDirectory() + "facekit-identity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let backbone = try Backbone.random(.keras(.mobilenet), seed: 5, inputSize: 32)
        let head = MultiTaskHead(featureCount: backbone.featureCount, hidden: 8, classCounts: [2], seed: 3)
        let info = ModelInfo(backbone: .init(name: backbone.name, weightsSHA256: backbone.weightsSHA256, featureCount: backbone.featureCount),
                             inputSize: 32, normalization: backbone.normalization, preprocessing: "aligned",
                             tasks: [TaskInfo(name: "person", labels: ["a", "b"])],
                             hidden: 8, dropout: 0.5, settings: .paper, testSplit: [], history: [])
        let path = folder + "/m.fcw"
        try MultiTaskModel(info: info, head: head).save(to: path)
        let a: [Float] = [1, 0.1, 0.2, 0], b: [Float] = [0, 0.2, 1, 0.1]
        let train = Tensor(shape: [4, 4], scalars: a + a.map { $0 + 0.05 } + b + b.map { $0 + 0.05 })
        let gallery = PersonGallery.build(names: ["a", "b"], space: .identity, train: train, trainLabels: [0, 0, 1, 1],
                                          validation: train, validationLabels: [0, 0, 1, 1], falseAcceptRate: 0)
        XCTAssertEqual(gallery.mean, [0, 0, 0, 0])
        XCTAssertEqual(gallery.scale, [1, 1, 1, 1])
        try gallery.save(intoModel: path)

        let classifier = try OpenSetClassifier(modelPath: path, extractor: backbone)
        XCTAssertNotNil(classifier.identity, "an identity gallery loads the identity network")
        let features = try backbone.features(of: [RGBImage(width: 32, height: 32, pixels: [UInt8](repeating: 90, count: 32 * 32 * 3))])
        let headSays = classifier.personAnswers(features: features, views: 1)   // no descriptors: the head answers
        for (descriptor, name) in [(a, "a"), (b, "b")] {
            let answer = classifier.personAnswers(features: features, views: 1, descriptors: Tensor(shape: [1, 4], scalars: descriptor))
            XCTAssertEqual(answer, [name])
        }
        XCTAssertTrue(["a", "b"].contains(headSays[0]))
        let stranger = classifier.personAnswers(features: features, views: 1, descriptors: Tensor(shape: [1, 4], scalars: [0, 1, 0, 0]))
        XCTAssertEqual(stranger, [PersonGallery.unknownLabel])
    }
}
