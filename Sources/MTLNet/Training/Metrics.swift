import Foundation

/// Classification metrics of one task from its confusion matrix.
///
/// `confusion[t][p]` counts images of true class `t` predicted as `p` (rows: truth, columns:
/// prediction; scikit-learn's convention). Per class: precision `tp / column sum`, recall
/// `tp / row sum`, F1 their harmonic mean; a ratio with a zero denominator is 0 (scikit-learn's
/// `zero_division=0`). Macro averages are taken over the classes that occur in the truth or in
/// the predictions (scikit-learn's default label set), so a class absent from the evaluated
/// images does not drag the average down.
public struct TaskMetrics: Codable, Equatable, Sendable {
    public struct PerClass: Codable, Equatable, Sendable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Images of this class in the truth.
        public var support: Int
    }

    public var accuracy: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var labels: [String]
    public var confusion: [[Int]]
    public var perClass: [PerClass]
    /// Images with a label for this task.
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case accuracy, precision, recall, f1, labels, confusion, perClass = "per_class", count
    }

    public init(labels: [String], confusion: [[Int]]) {
        let c = labels.count
        precondition(confusion.count == c && confusion.allSatisfy { $0.count == c }, "TaskMetrics: confusion must be \(c)×\(c)")
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let total = confusion.joined().reduce(0, +)
        let diagonal = (0..<c).reduce(0) { $0 + confusion[$1][$1] }
        var perClass: [PerClass] = []
        var active: [Int] = []
        for k in 0..<c {
            let tp = confusion[k][k]
            let truth = confusion[k].reduce(0, +)
            let predicted = (0..<c).reduce(0) { $0 + confusion[$1][k] }
            let p = ratio(tp, predicted), r = ratio(tp, truth)
            perClass.append(PerClass(label: labels[k], precision: p, recall: r, f1: p + r == 0 ? 0 : 2 * p * r / (p + r), support: truth))
            if truth > 0 || predicted > 0 { active.append(k) }
        }
        func macro(_ value: (PerClass) -> Double) -> Double {
            active.isEmpty ? 0 : active.reduce(0) { $0 + value(perClass[$1]) } / Double(active.count)
        }
        self.labels = labels
        self.confusion = confusion
        self.perClass = perClass
        self.count = total
        accuracy = ratio(diagonal, total)
        precision = macro(\.precision)
        recall = macro(\.recall)
        f1 = macro(\.f1)
    }

    /// Metrics from true and predicted class indices; pairs whose truth is −1 (missing) are skipped.
    public init(labels: [String], truth: [Int], predicted: [Int]) {
        precondition(truth.count == predicted.count, "TaskMetrics: \(truth.count) truths for \(predicted.count) predictions")
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
        for (t, p) in zip(truth, predicted) where t >= 0 { confusion[t][p] += 1 }
        self.init(labels: labels, confusion: confusion)
    }
}

/// The result of `facecli eval`: `{"tasks": {"<task>": {accuracy, precision, recall, f1, labels,
/// confusion, per_class, count}}}`.
public struct EvaluationReport: Codable, Equatable, Sendable {
    public var tasks: [String: TaskMetrics]

    public init(tasks: [String: TaskMetrics]) { self.tasks = tasks }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// A plain-text table: per task accuracy and macro precision/recall/F1, then per class.
    public func text(taskOrder: [String]) -> String {
        var out = ""
        for name in taskOrder {
            guard let m = tasks[name] else { continue }
            out += "\(name) (\(m.count) images): " + String(format: "accuracy %.4f  precision %.4f  recall %.4f  F1 %.4f\n",
                                                                 m.accuracy, m.precision, m.recall, m.f1)
            for c in m.perClass {
                out += "  " + c.label.padding(toLength: max(20, c.label.count), withPad: " ", startingAt: 0)
                    + String(format: " precision %.4f  recall %.4f  F1 %.4f  support %d\n", c.precision, c.recall, c.f1, c.support)
            }
            out += "  confusion (rows: truth, columns: prediction, order as above):\n"
            for row in m.confusion { out += "    " + row.map { String(format: "%5d", $0) }.joined() + "\n" }
        }
        return out
    }
}
