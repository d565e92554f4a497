import Foundation
import ImageIO
import XCTest

/// `facecli eval --report` on a tiny generated dataset and model trained by `facecli train`, and
/// the labels `facecli predict --annotate` draws.
final class ReportCommandTests: XCTestCase {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("facecli-report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testEvalReportWritesDecodableChartsAndSummaries() throws {
        let folder = try scratch()
        // Three "people" of different colours, ten noisy 40×40 images each.
        var seed: UInt64 = 7
        func noise() -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 58) - 32 }
        let colours = [(200, 60, 60), (60, 200, 60), (60, 60, 200)]
        for (p, c) in colours.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(folder)/data/id\(p)", withIntermediateDirectories: true)
            for i in 0..<10 {
                var image = RGBImage(width: 40, height: 40)
                for k in 0..<(40 * 40) {
                    image.pixels[3 * k] = UInt8(clamping: c.0 + noise())
                    image.pixels[3 * k + 1] = UInt8(clamping: c.1 + noise())
                    image.pixels[3 * k + 2] = UInt8(clamping: c.2 + noise())
                }
                try image.write(to: "\(folder)/data/id\(p)/\(i).png")
            }
        }
        try "identity,age_group,ethnicity\nid0,young,A\nid1,old,B\nid2,old,A\n".write(toFile: folder + "/data/attributes.csv", atomically: true, encoding: .utf8)
        let model = folder + "/m.fcw", cache = folder + "/cache"
        let train = try FacecliBinary.run(["train", "--data", folder + "/data", "--aligned", "--epochs", "4", "--out", model, "--cache", cache],
                                          in: repo, timeout: 600)
        XCTAssertEqual(train.status, 0, train.stderr)

        let report = folder + "/report"
        let eval = try FacecliBinary.run(["eval", "--model", model, "--data", folder + "/data", "--aligned", "--split", "all",
                                          "--cache", cache, "--report", report], in: repo, timeout: 600)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.hasPrefix("person (30 images): accuracy"), eval.stdout)
        let tasks = ["person", "age_group", "ethnicity"]
        let pngs = tasks.map { "confusion_\($0).png" } + ["curves.png"]
            + tasks.flatMap { a in tasks.filter { $0 != a }.map { "accuracy_\(a)_by_\($0).png" } }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: report).sorted(), (pngs + ["report.json", "report.md"]).sorted())
        for name in pngs {
            let image = try RGBImage(contentsOf: report + "/" + name)
            XCTAssertGreaterThan(image.width, 150, name)
            XCTAssertGreaterThan(image.height, 100, name)
        }
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report + "/report.json"))) as? [String: Any])
        XCTAssertEqual(json["curves_image"] as? String, "curves.png")
        XCTAssertEqual(json["split"] as? String, "all")
        XCTAssertEqual(json["images"] as? Int, 30)
        let groups = try XCTUnwrap(json["accuracy_by_group"] as? [[String: Any]])
        XCTAssertEqual(groups.count, 6)
        // person by age group: id0 is the only young one, id1 and id2 are old.
        let personByAge = try XCTUnwrap(groups.first { $0["task"] as? String == "person" && $0["by"] as? String == "age_group" })
        XCTAssertEqual((personByAge["groups"] as? [[String: Any]])?.map { $0["images"] as? Int }, [20, 10])
        let md = try String(contentsOfFile: report + "/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("![training curves](curves.png)"))

        // A report folder that is a file is refused with the output-file exit code.
        let blocked = try FacecliBinary.run(["eval", "--model", model, "--data", folder + "/data", "--aligned", "--split", "all",
                                             "--cache", cache, "--report", report + "/report.md"], in: repo, timeout: 600)
        XCTAssertEqual(blocked.status, 73, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains(report + "/report.md: "), blocked.stderr)
    }

    func testPredictAnnotateDrawsTheLabelsAboveTheBox() throws {
        let folder = try scratch()
        let image = repo.appendingPathComponent("demo/astronaut.png").path
        let out = folder + "/annotated.png"
        let r = try FacecliBinary.run(["predict", image, "--annotate", out], in: repo)
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let face = try XCTUnwrap((object["faces"] as? [[String: Any]])?.first)
        let box = try XCTUnwrap(face["box"] as? [Double]).map { Int($0.rounded()) }
        let original = try RGBImage(contentsOf: image), annotated = try RGBImage(contentsOf: out)
        XCTAssertEqual([annotated.width, annotated.height], [original.width, original.height])
        let green = RGBColor.green
        // Three lines (person, age group, ethnicity) of 13 pixels plus 2 of padding above and below.
        let labelTop = box[1] - (3 * 13 + 4)
        XCTAssertEqual(annotated.pixel(x: box[0] + 1, y: box[1] - 1), green, "label background just above the box")
        XCTAssertEqual(annotated.pixel(x: box[0] + 1, y: labelTop), green, "label top")
        XCTAssertNotEqual(annotated.pixel(x: box[0] + 1, y: labelTop - 1), green)
        // The text: black pixels inside the label, and the first line spells a known label.
        let textPixels = (labelTop..<box[1]).flatMap { y in (box[0]..<box[0] + 60).map { annotated.pixel(x: $0, y: y) } }.filter { $0 == .black }
        XCTAssertGreaterThan(textPixels.count, 50)
        let person = try XCTUnwrap((face["person"] as? [String: Any])?["label"] as? String)
        var expected = RGBImage(width: 6 * person.count, height: 13)
        expected.fill(x0: 0, y0: 0, x1: expected.width, y1: 13, green)
        expected.drawText(person, x: 0, y: 0, color: .black)
        for y in 0..<13 {
            for x in 0..<expected.width {
                XCTAssertEqual(annotated.pixel(x: box[0] + 2 + x, y: labelTop + 2 + y), expected.pixel(x: x, y: y), "(\(x), \(y)) of \(person)")
            }
        }
    }
}
