import Tensor

/// Truth and prediction of every task for every evaluated image: what the metrics
/// (`report`) and the accuracy by group (`accuracyByGroup()`) are computed from.
public struct EvaluatedImages: Equatable, Sendable {
    public struct Task: Equatable, Sendable {
        public var name: String
        /// The model's labels, then the labels of the data the model does not know (always wrong).
        public var labels: [String]
        /// Per image: an index into `labels`, or −1 when the image has no label for this task.
        public var truth: [Int]
        /// Per image: an index into `labels`.
        public var predicted: [Int]

        public init(name: String, labels: [String], truth: [Int], predicted: [Int]) {
            precondition(truth.count == predicted.count, "EvaluatedImages.Task: \(truth.count) truths for \(predicted.count) predictions")
            self.name = name; self.labels = labels; self.truth = truth; self.predicted = predicted
        }
    }

    /// In the model's task order; all with the same number of images.
    public var tasks: [Task]

    public init(tasks: [Task]) {
        precondition(Set(tasks.map(\.truth.count)).count <= 1, "EvaluatedImages: tasks have different image counts")
        self.tasks = tasks
    }

    public var report: EvaluationReport {
        EvaluationReport(tasks: Dictionary(uniqueKeysWithValues: tasks.map {
            ($0.name, TaskMetrics(labels: $0.labels, truth: $0.truth, predicted: $0.predicted))
        }))
    }

    /// For every ordered pair of different tasks (A, B): the accuracy of A over the images whose
    /// true B label is each of B's labels (e.g. person accuracy per ethnicity). Only images
    /// labelled for both count; labels of B with no such image are left out.
    public func accuracyByGroup() -> [GroupAccuracy] {
        var out: [GroupAccuracy] = []
        for a in tasks {
            for b in tasks where b.name != a.name {
                var images = [Int](repeating: 0, count: b.labels.count), correct = images
                for i in a.truth.indices where a.truth[i] >= 0 && b.truth[i] >= 0 {
                    images[b.truth[i]] += 1
                    if a.predicted[i] == a.truth[i] { correct[b.truth[i]] += 1 }
                }
                let groups = b.labels.indices.filter { images[$0] > 0 }.map {
                    GroupAccuracy.Group(label: b.labels[$0], images: images[$0], correct: correct[$0])
                }
                out.append(GroupAccuracy(task: a.name, by: b.name, groups: groups))
            }
        }
        return out
    }
}

/// Accuracy of `task` over the images of each true label (`groups`) of task `by`.
public struct GroupAccuracy: Codable, Equatable, Sendable {
    public struct Group: Codable, Equatable, Sendable {
        public var label: String
        public var images: Int
        public var correct: Int
        public var accuracy: Double

        public init(label: String, images: Int, correct: Int) {
            self.label = label; self.images = images; self.correct = correct
            accuracy = images == 0 ? 0 : Double(correct) / Double(images)
        }
    }

    public var task: String
    public var by: String
    public var groups: [Group]

    public init(task: String, by: String, groups: [Group]) { self.task = task; self.by = by; self.groups = groups }

    /// Accuracy of `task` over all the images of the groups.
    public var overall: Double {
        let n = groups.reduce(0) { $0 + $1.images }
        return n == 0 ? 0 : Double(groups.reduce(0) { $0 + $1.correct }) / Double(n)
    }
}

extension Evaluation {
    /// Truth and prediction per image of `model` on `features` (`views` consecutive rows per
    /// image, probabilities averaged over them: test-time augmentation), whose labels index
    /// `tasks`' label lists. Tasks the model does not have are ignored; labels the model does not
    /// know get their own class, never predicted.
    ///
    /// `personAnswers`, when given, replaces the head's answers for the `person` task: the label of
    /// every image from its feature rows (`[images·views, f]`), e.g. `unknown` from an open-set
    /// gallery; a label the model does not have is added to the task's labels.
    public static func evaluatedImages(model: MultiTaskModel, tasks: [TaskInfo], features: FeatureSet, views: Int,
                                       personAnswers: ((Tensor) -> [String])? = nil) -> EvaluatedImages {
        let probabilities = model.probabilities(features: features.features)
        let images = features.count / views
        let answers = personAnswers?(features.features)
        var out: [EvaluatedImages.Task] = []
        for (k, task) in model.info.tasks.enumerated() {
            guard let d = tasks.firstIndex(where: { $0.name == task.name }) else { continue }
            var labels = task.labels + tasks[d].labels.filter { !task.labels.contains($0) }
            let c = task.labels.count
            var truth: [Int] = [], predicted: [Int] = []
            for i in 0..<images {
                let y = features.labels[d][i * views]
                truth.append(y == Dataset.missing ? -1 : labels.firstIndex(of: tasks[d].labels[y])!)
                var best = 0, bestP = -Float.infinity
                for j in 0..<c {
                    var p: Float = 0
                    for v in 0..<views { p += probabilities[k].scalars[(i * views + v) * c + j] }
                    if p > bestP { bestP = p; best = j }
                }
                if task.name == "person", let answers {
                    if !labels.contains(answers[i]) { labels.append(answers[i]) }
                    best = labels.firstIndex(of: answers[i])!
                }
                predicted.append(best)
            }
            out.append(EvaluatedImages.Task(name: task.name, labels: labels, truth: truth, predicted: predicted))
        }
        return EvaluatedImages(tasks: out)
    }
}
