import Foundation
import Layers
import MTLNet
import Support
import Tensor
import XCTest

final class ModelFileTests: XCTestCase {
    func makeModel(extractor: PoolingExtractor) -> MultiTaskModel {
        let tasks = [TaskInfo(name: "person", labels: ["ann", "bob", "cy"]), TaskInfo(name: "age_group", labels: ["adult", "young"])]
        let head = MultiTaskHead(featureCount: extractor.featureCount, hidden: 16, classCounts: [3, 2], dropout: 0.3, seed: 5)
        let info = ModelInfo(backbone: .init(name: extractor.name, weightsSHA256: extractor.weightsSHA256, featureCount: extractor.featureCount),
                             inputSize: extractor.inputSize, normalization: extractor.normalization, preprocessing: "aligned",
                             tasks: tasks, hidden: 16, dropout: 0.3, settings: .paper,
                             testSplit: [.init(path: "ann/1.png", sha256: String(repeating: "0", count: 64))],
                             history: [EpochRecord(epoch: 1, trainLoss: [1, 2], trainAccuracy: [0.5, 0.5], validationLoss: [1, 1],
                                                   validationAccuracy: [0.4, 0.6], learningRate: 1e-4, elapsed: 0.5)])
        return MultiTaskModel(info: info, head: head)
    }

    func testRoundTripGivesTheSameOutputs() throws {
        let folder = try TemporaryFolder()
        let extractor = PoolingExtractor()
        let model = makeModel(extractor: extractor)
        let path = folder.path + "/m.fcw"
        try model.save(to: path)
        let loaded = try MultiTaskModel(path: path)
        XCTAssertEqual(loaded.info, model.info)
        var rng = SeededRandom(seed: 3)
        let x = Tensor(randomUniform: [5, extractor.featureCount], using: &rng)
        XCTAssertEqual(loaded.probabilities(features: x), model.probabilities(features: x))
        XCTAssertNoThrow(try loaded.checkBackbone(extractor, modelPath: path))
    }

    func testDamagedOrMismatchedModelsAreRefused() throws {
        let folder = try TemporaryFolder()
        let extractor = PoolingExtractor()
        let path = folder.path + "/m.fcw"
        try makeModel(extractor: extractor).save(to: path)
        let model = try MultiTaskModel(path: path)

        let otherWeights = PoolingExtractor(weightsSHA256: String(repeating: "cd", count: 32))
        XCTAssertThrowsError(try model.checkBackbone(otherWeights, modelPath: path)) {
            XCTAssertTrue("\($0)".hasPrefix(path + ": was trained on pooling weights with sha256 abababababab…"), "\($0)")
            XCTAssertTrue("\($0)".contains("retrain"), "\($0)")
        }
        XCTAssertThrowsError(try model.checkBackbone(PoolingExtractor(name: "mobilenet"), modelPath: path)) {
            XCTAssertTrue("\($0)".contains("was trained on backbone 'pooling', not 'mobilenet'"), "\($0)")
        }
        XCTAssertThrowsError(try model.checkBackbone(PoolingExtractor(inputSize: 32), modelPath: path)) {
            XCTAssertTrue("\($0)".contains("expects 48 features"), "\($0)")
        }

        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 40] ^= 0xff
        let damaged = folder.path + "/damaged.fcw"
        try bytes.write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try MultiTaskModel(path: damaged)) {
            XCTAssertEqual("\($0)", damaged + ": checksum mismatch: the file is damaged or was modified")
        }

        let backboneFile = folder.path + "/backbone.fcw"
        try WeightFile.write(path: backboneFile, tensors: [("conv.weight", Tensor(zeros: [3]))], metadata: ["source": "x"])
        XCTAssertThrowsError(try MultiTaskModel(path: backboneFile)) {
            XCTAssertTrue("\($0)".contains("not a facecli multi-task model"), "\($0)")
        }

        // A header that lies about the tensors' shapes.
        let model2 = makeModel(extractor: extractor)
        let lying = folder.path + "/lying.fcw"
        let encoder = JSONEncoder(); encoder.keyEncodingStrategy = .convertToSnakeCase
        var info = model2.info; info.hidden = 17
        let metadata = try JSONSerialization.jsonObject(with: try encoder.encode(info)) as! [String: Any]
        try WeightFile.write(path: lying, tensors: model2.head.parameters.map { ($0.name, $0.value) }, metadata: metadata)
        XCTAssertThrowsError(try MultiTaskModel(path: lying)) {
            XCTAssertTrue("\($0)".contains("tensor 'shared.weight' has shape [48, 16], expected [48, 17]"), "\($0)")
        }
    }
}
