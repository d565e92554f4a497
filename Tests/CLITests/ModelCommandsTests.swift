import Foundation
import XCTest

/// `facecli predict` / `eval` through the built binary: the JSON contract of predict (issue 5:
/// the detection JSON of `detect` plus one `{"label", "probability"}` per task) with the default
/// model shipped in Weights/, and refusal of a damaged model.
final class ModelCommandsTests: XCTestCase {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testPredictPrintsDetectionJSONWithOnePredictionPerTask() throws {
        let image = repo.appendingPathComponent("demo/astronaut.png").path
        let r = try FacecliBinary.run(["predict", image])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(object["image"] as? String, image)
        XCTAssertEqual(object["width"] as? Int, 512)
        XCTAssertEqual(object["height"] as? Int, 512)
        let faces = try XCTUnwrap(object["faces"] as? [[String: Any]])
        XCTAssertEqual(faces.count, 1, "the astronaut photo has one face")
        let face = faces[0]
        XCTAssertEqual((face["box"] as? [Double])?.count, 4)
        XCTAssertGreaterThan(face["confidence"] as? Double ?? 0, 0.9)
        XCTAssertEqual((face["landmarks"] as? [String: [Double]])?.keys.sorted(), ["left_eye", "mouth_left", "mouth_right", "nose", "right_eye"])
        for task in ["person", "age_group", "ethnicity"] {
            let p = try XCTUnwrap(face[task] as? [String: Any], "task \(task) in \(face.keys)")
            XCTAssertFalse((p["label"] as? String ?? "").isEmpty)
            let probability = try XCTUnwrap(p["probability"] as? Double)
            XCTAssertTrue(probability > 0 && probability <= 1, "\(probability)")
        }
    }

    func testAlignedCSVHasOneRowPerImage() throws {
        let image = repo.appendingPathComponent("demo/astronaut.png").path
        let r = try FacecliBinary.run(["predict", "--aligned", "--format", "csv", image])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0], "image,face,x,y,width,height,confidence,person,person_probability,age_group,age_group_probability,ethnicity,ethnicity_probability")
        XCTAssertTrue(lines[1].hasPrefix(image + ",0,0.00,0.00,512.00,512.00,1.000000,"), lines[1])
    }

    func testDamagedModelIsRefusedNamingTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facecli-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("bad.fcw").path
        try Data("FACECLIW not really".utf8).write(to: URL(fileURLWithPath: model))
        let image = repo.appendingPathComponent("demo/astronaut.png").path
        let predict = try FacecliBinary.run(["predict", "--model", model, image])
        XCTAssertEqual(predict.status, 65)
        XCTAssertTrue(predict.stderr.contains(model + ": "), predict.stderr)
        let eval = try FacecliBinary.run(["eval", "--model", model, "--data", folder.path, "--aligned"])
        XCTAssertEqual(eval.status, 65)
        XCTAssertTrue(eval.stderr.contains(model + ": "), eval.stderr)
    }
}
