import MTLNet
import XCTest

final class MetricsTests: XCTestCase {
    func testAgainstAHandComputedConfusionMatrix() {
        // truth:     a a a a b b b c c c   (−1 skipped)
        // predicted: a a b c b b a c c a
        let truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, -1]
        let predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 0, 1]
        let m = TaskMetrics(labels: ["a", "b", "c"], truth: truth, predicted: predicted)
        XCTAssertEqual(m.confusion, [[2, 1, 1], [1, 2, 0], [1, 0, 2]])
        XCTAssertEqual(m.count, 10)
        XCTAssertEqual(m.accuracy, 0.6, accuracy: 1e-12)
        // a: tp 2, predicted 4, truth 4 → p 0.5, r 0.5, f1 0.5
        // b: tp 2, predicted 3, truth 3 → p 2/3, r 2/3
        // c: tp 2, predicted 3, truth 3 → p 2/3, r 2/3
        XCTAssertEqual(m.perClass.map(\.precision), [0.5, 2.0 / 3, 2.0 / 3])
        XCTAssertEqual(m.perClass.map(\.support), [4, 3, 3])
        XCTAssertEqual(m.precision, (0.5 + 4.0 / 3) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.recall, (0.5 + 4.0 / 3) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.f1, (0.5 + 4.0 / 3) / 3, accuracy: 1e-12)
    }

    func testAsymmetricMatrixAndAbsentClass() {
        // rows truth, columns prediction; class "d" neither occurs nor is predicted.
        let m = TaskMetrics(labels: ["a", "b", "c", "d"], confusion: [[5, 0, 0, 0], [3, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
        // a: p 5/8, r 1, f1 2·(5/8)/(13/8) = 10/13. b: p 1, r 1/4, f1 0.4. c: never true but... not predicted either → excluded.
        XCTAssertEqual(m.accuracy, 6.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(m.precision, (5.0 / 8 + 1) / 2, accuracy: 1e-12)
        XCTAssertEqual(m.recall, (1 + 0.25) / 2, accuracy: 1e-12)
        XCTAssertEqual(m.f1, (10.0 / 13 + 0.4) / 2, accuracy: 1e-12)
        XCTAssertEqual(m.perClass[2].f1, 0)

        // A predicted class that never occurs counts with precision 0 (scikit-learn's zero_division=0).
        let n = TaskMetrics(labels: ["a", "b"], confusion: [[1, 1], [0, 0]])
        XCTAssertEqual(n.precision, (1 + 0) / 2, accuracy: 1e-12)
        XCTAssertEqual(n.recall, (0.5 + 0) / 2, accuracy: 1e-12)
    }

    func testJSONShape() throws {
        let report = EvaluationReport(tasks: ["person": TaskMetrics(labels: ["x", "y"], truth: [0, 1], predicted: [0, 0])])
        let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any]
        let person = (object?["tasks"] as? [String: Any])?["person"] as? [String: Any]
        XCTAssertEqual(person?["accuracy"] as? Double, 0.5)
        XCTAssertEqual(person?["labels"] as? [String], ["x", "y"])
        XCTAssertEqual(person?["confusion"] as? [[Int]], [[1, 0], [1, 0]])
        for key in ["precision", "recall", "f1", "per_class"] { XCTAssertNotNil(person?[key], key) }
    }
}
