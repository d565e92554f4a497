import Foundation
import ImageIO
import Layers
import MTLNet
import Support
import XCTest

/// `eval --report`: accuracy by group, the charts and the report folder.
final class ReportTests: XCTestCase {
    /// Six images; image 4 has no ethnicity, image 5 no person.
    let images = EvaluatedImages(tasks: [
        .init(name: "person", labels: ["ann", "bob"], truth: [0, 0, 1, 1, 0, -1], predicted: [0, 1, 1, 1, 0, 0]),
        .init(name: "ethnicity", labels: ["x", "y", "z"], truth: [0, 1, 1, 0, -1, 0], predicted: [0, 0, 1, 0, 1, 0]),
    ])

    func testAccuracyByGroupMatchesAHandCount() {
        // person by ethnicity, images 0–3: x = {0 right, 3 right}, y = {1 wrong, 2 right}, z has none.
        // ethnicity by person: ann = {0 right, 1 wrong}, bob = {2 right, 3 right}.
        let groups = images.accuracyByGroup()
        XCTAssertEqual(groups, [
            GroupAccuracy(task: "person", by: "ethnicity", groups: [.init(label: "x", images: 2, correct: 2), .init(label: "y", images: 2, correct: 1)]),
            GroupAccuracy(task: "ethnicity", by: "person", groups: [.init(label: "ann", images: 2, correct: 1), .init(label: "bob", images: 2, correct: 2)]),
        ])
        XCTAssertEqual(groups[0].groups.map(\.accuracy), [1, 0.5])
        XCTAssertEqual(groups[0].overall, 0.75)
        XCTAssertEqual(groups[1].overall, 0.75)
        // The metrics skip only each task's own missing labels: person counts 5 images, 4 right.
        XCTAssertEqual(images.report.tasks["person"]?.count, 5)
        XCTAssertEqual(images.report.tasks["person"]?.accuracy, 0.8)
        XCTAssertEqual(images.report.tasks["ethnicity"]?.confusion, [[3, 0, 0], [1, 1, 0], [0, 0, 0]])
    }

    func testConfusionCellsGetDarkerWithTheCountAndThePNGDecodes() throws {
        let counts = [[50, 3, 0], [7, 20, 1], [0, 12, 35]]
        let metrics = TaskMetrics(labels: ["ann", "bob", "Keira_Knightley"], confusion: counts)
        let image = ReportCharts.confusion(metrics, task: "person")
        let layout = ReportCharts.ConfusionLayout(metrics, task: "person")
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        XCTAssertGreaterThanOrEqual(layout.left, 6 * "Keira_Knightley".count, "row labels fit left of the matrix")
        func luminance(_ c: RGBColor) -> Double { 0.299 * Double(c.r) + 0.587 * Double(c.g) + 0.114 * Double(c.b) }
        var cells: [(count: Int, luminance: Double)] = []
        for r in 0..<3 {
            for c in 0..<3 {
                // A corner of the cell, past the separator, away from the centred count.
                let color = image.pixel(x: layout.left + c * layout.cell + 2, y: layout.top + r * layout.cell + 2)
                cells.append((counts[r][c], luminance(color)))
            }
        }
        cells.sort { $0.count < $1.count }
        for (a, b) in zip(cells, cells.dropFirst()) {
            if a.count == b.count { XCTAssertEqual(a.luminance, b.luminance) } else { XCTAssertGreaterThan(a.luminance, b.luminance, "\(a.count) vs \(b.count)") }
        }
        XCTAssertLessThan(cells.last!.luminance, 80, "the largest count is dark")
        XCTAssertGreaterThan(cells.first!.luminance, 240, "zero is near white")
        let decoded = try ImageDecoder().decode(try ImageEncoder.png(image), name: "confusion.png")
        XCTAssertEqual(decoded, image)
    }

    func testCurvesAndGroupChartsDecodeWithTheirSizes() throws {
        let history = (1...12).map { e in
            EpochRecord(epoch: e, trainLoss: [2 / Float(e), 1 / Float(e)], trainAccuracy: [1 - 0.5 / Float(e), 0.9], validationLoss: [2.5 / Float(e), 1.2],
                        validationAccuracy: [0.8, 0.85], learningRate: e < 6 ? 1e-3 : 5e-4, elapsed: Double(e))
        }
        let curves = ReportCharts.curves(history, tasks: ["person", "ethnicity"], bestEpoch: 9)
        let oneTask = ReportCharts.curves(history, tasks: ["person"], bestEpoch: nil)
        XCTAssertGreaterThan(curves.height, oneTask.height, "one row of panels per task")
        let bars = ReportCharts.groupAccuracy(images.accuracyByGroup()[0])
        for image in [curves, oneTask, bars] {
            let decoded = try ImageDecoder().decode(try ImageEncoder.png(image), name: "chart.png")
            XCTAssertEqual([decoded.width, decoded.height], [image.width, image.height])
            XCTAssertGreaterThan(Set(stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }).count, 3, "something is drawn")
        }
        // The two bars: "x" at 100 %, "y" at 50 %: the first is twice as long.
        func barLength(row y: Int) -> Int {   // extent, not count: the dashed line crosses the longer bar
            let xs = (0..<bars.width).filter { bars.pixel(x: $0, y: y) == RGBColor(76, 114, 176) }
            return xs.isEmpty ? 0 : xs.last! - xs.first! + 1
        }
        let rows = (0..<bars.height).filter { barLength(row: $0) > 0 }
        let lengths = Set(rows.map { barLength(row: $0) }).sorted()
        XCTAssertEqual(lengths.count, 2, "\(lengths)")
        XCTAssertEqual(Double(lengths[1]) / Double(lengths[0]), 2, accuracy: 0.02)
    }

    func makeInfo(history: [EpochRecord]?) -> ModelInfo {
        ModelInfo(backbone: .init(name: "pooling", weightsSHA256: String(repeating: "ab", count: 32), featureCount: 48),
                  inputSize: 16, normalization: "x / 255", preprocessing: "aligned",
                  tasks: [TaskInfo(name: "person", labels: ["ann", "bob"]), TaskInfo(name: "ethnicity", labels: ["x", "y", "z"])],
                  hidden: 4, dropout: 0.5, settings: .standard, testSplit: [], history: history)
    }

    func testReportFolderHasEveryChartAndSaysWhenCurvesAreUnavailable() throws {
        let folder = try TemporaryFolder()
        let context = EvaluationReportFiles.Context(modelPath: "m.fcw", dataRoots: ["data"], split: "test")
        let old = folder.path + "/nested/old"
        let files = try EvaluationReportFiles.write(to: old, images: images, info: makeInfo(history: nil), context: context)
        XCTAssertEqual(files, ["confusion_person.png", "confusion_ethnicity.png", "accuracy_person_by_ethnicity.png",
                               "accuracy_ethnicity_by_person.png", "report.json", "report.md"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: old).sorted(), files.sorted(), "no temporary file left")
        for name in files where name.hasSuffix(".png") { XCTAssertGreaterThan(try RGBImage(contentsOf: old + "/" + name).width, 100) }
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: old + "/report.json"))) as? [String: Any])
        XCTAssertNil(json["curves_image"])
        XCTAssertTrue((json["curves_unavailable"] as? String ?? "").contains("no per-epoch history"))
        XCTAssertEqual((json["tasks"] as? [String: Any])?.keys.sorted(), ["ethnicity", "person"])
        let groups = try XCTUnwrap(json["accuracy_by_group"] as? [[String: Any]])
        XCTAssertEqual(groups.map { $0["image"] as? String }, ["accuracy_person_by_ethnicity.png", "accuracy_ethnicity_by_person.png"])
        XCTAssertEqual(groups[0]["overall"] as? Double, 0.75)
        let md = try String(contentsOfFile: old + "/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| person | 5 | 80.0 % |"), md)
        XCTAssertTrue(md.contains("| y | 2 | 1 | 50.0 % |"), md)
        XCTAssertTrue(md.contains("![confusion matrix of person](confusion_person.png)"))
        XCTAssertTrue(md.contains("Unavailable: the model file has no per-epoch history"))

        let history = (1...4).map { EpochRecord(epoch: $0, trainLoss: [1, 1], trainAccuracy: [0.5, 0.5], validationLoss: [Float(abs($0 - 3)), 1],
                                                validationAccuracy: [0.5, 0.5], learningRate: 1e-3, elapsed: 1) }
        let new = folder.path + "/new"
        let withCurves = try EvaluationReportFiles.write(to: new, images: images, info: makeInfo(history: history), context: context)
        XCTAssertTrue(withCurves.contains("curves.png"))
        let curves = try RGBImage(contentsOf: new + "/curves.png")
        XCTAssertEqual(curves, ReportCharts.curves(history, tasks: ["person", "ethnicity"], bestEpoch: 3), "best epoch: the lowest summed validation loss")
        XCTAssertTrue(try String(contentsOfFile: new + "/report.md", encoding: .utf8).contains("![training curves](curves.png)"))

        XCTAssertThrowsError(try EvaluationReportFiles.write(to: old + "/report.md", images: images, info: makeInfo(history: nil), context: context)) {
            XCTAssertEqual(($0 as? FileError)?.kind, .cannotCreate)
        }
    }

    func testModelFileWithoutHistoryStillLoads() throws {
        let folder = try TemporaryFolder()
        let info = makeInfo(history: nil)
        let head = MultiTaskHead(featureCount: 48, hidden: 4, classCounts: [2, 3], dropout: 0.5, seed: 1)
        let path = folder.path + "/old.fcw"
        try MultiTaskModel(info: info, head: head).save(to: path)
        XCTAssertNil(try WeightFile(path: path).metadata["history"], "no history key, as in files written before it was recorded")
        let loaded = try MultiTaskModel(path: path)
        XCTAssertNil(loaded.info.history)
        XCTAssertEqual(loaded.info, info)
        XCTAssertNotNil(EvaluationReportFiles.historyProblem(loaded.info))
    }
}
