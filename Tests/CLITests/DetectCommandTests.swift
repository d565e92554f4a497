import Foundation
import TestData
import XCTest

/// `facecli detect` and `facecli bench --detect` through the built binary.
final class DetectCommandTests: XCTestCase {
    private func data() throws -> String { try SharedData.folder() }

    func testJSONLinesAndABadFileInTheMiddle() throws {
        let d = try data()
        let missing = NSTemporaryDirectory() + "facecli-no-such-image.jpg"
        let r = try FacecliBinary.run(["detect", d + "/detection/ivan.jpg", missing, d + "/detection/noface/fruits.jpg"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(missing), r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["image"] as? String, d + "/detection/ivan.jpg")
        XCTAssertEqual(first["width"] as? Int, 561)
        let faces = first["faces"] as! [[String: Any]]
        XCTAssertEqual(faces.count, 1)
        let box = faces[0]["box"] as! [Double]
        XCTAssertEqual(box[0], 277.5, accuracy: 1); XCTAssertEqual(box[2], 49.3, accuracy: 1)
        XCTAssertGreaterThan(faces[0]["confidence"] as! Double, 0.99)
        let marks = faces[0]["landmarks"] as! [String: [Double]]
        XCTAssertEqual(Set(marks.keys), ["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"])
        XCTAssertLessThan(marks["left_eye"]![0], marks["right_eye"]![0])
        let second = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        XCTAssertEqual((second["faces"] as! [Any]).count, 0)
    }

    func testCSVAnnotateCropsAndOptions() throws {
        let d = try data()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("facecli-detect-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try FacecliBinary.run(["detect", "--format", "csv", "--annotate", out + "/ann", "--crops", out + "/crops",
                                       "--threads", "2", "--min-face", "30", "--thresholds", "0.6,0.7,0.8",
                                       d + "/bench/mtcnn_group_640x480.png", d + "/detection/astronaut.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n")
        XCTAssertTrue(rows[0].hasPrefix("image,face,x,y,width,height,confidence,left_eye_x"))
        XCTAssertEqual(rows.count, 1 + 8 + 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/ann").sorted(), ["astronaut.png", "mtcnn_group_640x480.png"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/crops").count, 9)
        let bad = try FacecliBinary.run(["detect", "--thresholds", "0.6,2,0.7", d + "/detection/ivan.jpg"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--thresholds"), bad.stderr)
    }

    func testBenchDetectJSON() throws {
        let d = try data()
        let r = try FacecliBinary.run(["bench", "--detect", d + "/detection/ivan.jpg", "--runs", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertGreaterThan(object["median_ms"] as! Double, 0)
        XCTAssertEqual(object["faces"] as? Int, 1)
    }
}
