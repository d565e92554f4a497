import MTLNet
import Tensor
import XCTest

final class OpenSetEvaluationTests: XCTestCase {
    /// Person answers from outside the head (an open-set gallery) replace the head's for the person
    /// task only; a label the model lacks (`unknown`) becomes one more confusion column.
    func testPersonAnswersReplaceTheHeadsAndAddUnknown() {
        let tasks = [TaskInfo(name: "person", labels: ["a", "b"]), TaskInfo(name: "age", labels: ["x", "y", "z"])]
        let head = MultiTaskHead(featureCount: 8, hidden: 4, classCounts: [2, 3], seed: 5)
        let info = ModelInfo(backbone: .init(name: "test", weightsSHA256: "00", featureCount: 8), inputSize: 16, normalization: "none",
                             preprocessing: "aligned", tasks: tasks, hidden: 4, dropout: 0.5, settings: .paper, testSplit: [], history: [])
        let model = MultiTaskModel(info: info, head: head)
        var rng = SeededRandom(seed: 3)
        let set = FeatureSet(features: Tensor(randomUniform: [4, 8], in: -1...1, using: &rng), labels: [[0, 1, 1, 0], [2, 0, 1, 1]])
        let closed = Evaluation.evaluatedImages(model: model, tasks: tasks, features: set, views: 1)
        var seen: Tensor?
        let open = Evaluation.evaluatedImages(model: model, tasks: tasks, features: set, views: 1) { rows in
            seen = rows
            return ["a", "unknown", "b", "unknown"]
        }
        XCTAssertEqual(seen?.scalars, set.features.scalars)
        XCTAssertEqual(open.tasks[0].labels, ["a", "b", "unknown"])
        XCTAssertEqual(open.tasks[0].predicted, [0, 2, 1, 2])
        XCTAssertEqual(open.tasks[1], closed.tasks[1], "other tasks keep the head's answers")
        let metrics = open.report.tasks["person"]!
        XCTAssertEqual(metrics.accuracy, 0.5, accuracy: 1e-9)   // a→a right, b→unknown wrong, b→b right, a→unknown wrong
        XCTAssertEqual(metrics.confusion, [[1, 0, 1], [0, 1, 1], [0, 0, 0]])
    }
}
