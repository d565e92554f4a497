import Foundation
import ImageIO
import Support

/// `facecli eval --report DIR`: the metrics as `report.json` and `report.md`, one confusion-matrix
/// PNG per task, the training curves (from the history in the model file) and the accuracy of
/// every task by the true label of every other task (bar charts). Each file is written
/// atomically; the summaries come last, so a report that has them is complete.
public enum EvaluationReportFiles {
    /// What was evaluated, for the summaries.
    public struct Context: Sendable {
        public var modelPath: String
        public var dataRoots: [String]
        public var split: String

        public init(modelPath: String, dataRoots: [String], split: String) {
            self.modelPath = modelPath; self.dataRoots = dataRoots; self.split = split
        }
    }

    /// Writes the report into `directory` (created if needed) and returns the names of the files written.
    @discardableResult
    public static func write(to directory: String, images: EvaluatedImages, info: ModelInfo, context: Context) throws -> [String] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw FileError(.cannotCreate, path: directory, "is a file, not a folder for the report")
        }
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw FileError(.cannotCreate, path: directory, "cannot create the report folder: \(error.localizedDescription)")
        }
        var written: [String] = []
        func png(_ name: String, _ image: RGBImage) throws {
            try ImageEncoder.write(image, to: directory + "/" + name, format: .png)
            written.append(name)
        }
        let report = images.report
        var confusionFiles: [String: String] = [:]
        for task in images.tasks {
            let name = "confusion_\(fileSafe(task.name)).png"
            try png(name, ReportCharts.confusion(report.tasks[task.name]!, task: task.name))
            confusionFiles[task.name] = name
        }
        let groups = images.accuracyByGroup()
        var groupFiles: [String] = []
        for g in groups {
            let name = "accuracy_\(fileSafe(g.task))_by_\(fileSafe(g.by)).png"
            try png(name, ReportCharts.groupAccuracy(g))
            groupFiles.append(name)
        }
        let taskNames = info.tasks.map(\.name)
        var curvesFile: String?
        let curvesProblem = historyProblem(info)
        if curvesProblem == nil, let history = info.history {
            curvesFile = "curves.png"
            try png("curves.png", ReportCharts.curves(history, tasks: taskNames, bestEpoch: bestEpoch(history, monitor: info.settings.monitor)))
        }

        let summary = Summary(model: context.modelPath, data: context.dataRoots, split: context.split,
                              images: images.tasks.first?.truth.count ?? 0, tasks: report.tasks,
                              accuracyByGroup: zip(groups, groupFiles).map { Summary.Group(result: $0, image: $1) },
                              confusionImages: confusionFiles, curvesImage: curvesFile, curvesUnavailable: curvesProblem)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(summary) + Data("\n".utf8), to: directory + "/report.json")
        written.append("report.json")
        try AtomicFile.write(Data(markdown(summary, info: info, order: images.tasks.map(\.name)).utf8), to: directory + "/report.md")
        written.append("report.md")
        return written
    }

    /// Why the model's history cannot be drawn, or nil when it can.
    public static func historyProblem(_ info: ModelInfo) -> String? {
        guard let history = info.history, !history.isEmpty else {
            return "the model file has no per-epoch history (it was written before facecli recorded one)"
        }
        let n = info.tasks.count
        guard history.allSatisfy({ [$0.trainLoss, $0.trainAccuracy, $0.validationLoss, $0.validationAccuracy].allSatisfy { $0.count == n } }) else {
            return "the model file's history does not have one value per task"
        }
        return nil
    }

    /// The epoch whose weights training kept: the first best of the monitored value (summed
    /// validation loss, or mean validation accuracy), as `Trainer` decides it.
    static func bestEpoch(_ history: [EpochRecord], monitor: TrainingSettings.Monitor) -> Int? {
        func value(_ r: EpochRecord) -> Float {
            monitor == .loss ? -r.validationLoss.reduce(0, +) : r.validationAccuracy.reduce(0, +) / Float(max(r.validationAccuracy.count, 1))
        }
        var best: EpochRecord?
        for r in history where best == nil || value(r) > value(best!) { best = r }
        return best?.epoch
    }

    /// A task name as part of a file name: letters, digits, `-` and `_` kept, anything else `_`.
    static func fileSafe(_ name: String) -> String {
        String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" ? Character($0) : "_" })
    }

    struct Summary: Encodable {
        struct Group: Encodable {
            var result: GroupAccuracy
            var image: String
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(result.task, forKey: .task); try c.encode(result.by, forKey: .by)
                try c.encode(result.overall, forKey: .overall); try c.encode(result.groups, forKey: .groups)
                try c.encode(image, forKey: .image)
            }
            enum CodingKeys: String, CodingKey { case task, by, overall, groups, image }
        }
        var model: String
        var data: [String]
        var split: String
        var images: Int
        var tasks: [String: TaskMetrics]
        var accuracyByGroup: [Group]
        var confusionImages: [String: String]
        var curvesImage: String?
        var curvesUnavailable: String?

        enum CodingKeys: String, CodingKey {
            case model, data, split, images, tasks, accuracyByGroup = "accuracy_by_group", confusionImages = "confusion_images"
            case curvesImage = "curves_image", curvesUnavailable = "curves_unavailable"
        }
    }

    static func markdown(_ s: Summary, info: ModelInfo, order: [String]) -> String {
        func pct(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var md = "# Evaluation report\n\n"
        md += "- model: `\(s.model)` (\(info.backbone.name), \(info.inputSize) px, faces: \(info.preprocessing))\n"
        md += "- data: " + s.data.map { "`\($0)`" }.joined(separator: ", ") + "\n"
        md += "- split: \(s.split), \(s.images) images\n\n"
        md += "## Metrics\n\nMacro averages over the classes present in the truth or the predictions.\n\n"
        md += "| task | images | accuracy | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|\n"
        for name in order { if let m = s.tasks[name] {
            md += "| \(cell(name)) | \(m.count) | \(pct(m.accuracy)) | \(pct(m.precision)) | \(pct(m.recall)) | \(pct(m.f1)) |\n"
        } }
        for name in order {
            guard let m = s.tasks[name] else { continue }
            md += "\n### \(name)\n\n| class | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|\n"
            for c in m.perClass { md += "| \(cell(c.label)) | \(c.support) | \(pct(c.precision)) | \(pct(c.recall)) | \(pct(c.f1)) |\n" }
            if let file = s.confusionImages[name] { md += "\n![confusion matrix of \(name)](\(file))\n" }
        }
        md += "\n## Accuracy by group\n\nAccuracy of one task over the images of each true class of another.\n"
        for g in s.accuracyByGroup {
            md += "\n### \(g.result.task) by \(g.result.by)\n\n| \(cell(g.result.by)) | images | correct | accuracy |\n|---|---:|---:|---:|\n"
            for x in g.result.groups { md += "| \(cell(x.label)) | \(x.images) | \(x.correct) | \(pct(x.accuracy)) |\n" }
            md += "| all | \(g.result.groups.reduce(0) { $0 + $1.images }) | \(g.result.groups.reduce(0) { $0 + $1.correct }) | \(pct(g.result.overall)) |\n"
            md += "\n![\(g.result.task) accuracy by \(g.result.by)](\(g.image))\n"
        }
        md += "\n## Training curves\n\n"
        if let file = s.curvesImage { md += "![training curves](\(file))\n" }
        else { md += "Unavailable: \(s.curvesUnavailable ?? "no history").\n" }
        return md
    }
}
