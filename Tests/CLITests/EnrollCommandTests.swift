import Foundation
import TestData
import XCTest

/// `facecli enroll` as a user runs it: six photos of a new person (lfw10) into a copy of the shipped
/// model, then `predict` recognises their other photos and still calls a stranger `unknown`;
/// `--remove` takes them out again.
final class EnrollCommandTests: XCTestCase {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The person label of the largest face, per JSON line of `predict`.
    func people(in output: String) throws -> [String] {
        try output.split(separator: "\n").map { line in
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let faces = try XCTUnwrap(object["faces"] as? [[String: Any]])
            // The largest face of the photo (some have people in the background).
            let face = try XCTUnwrap(faces.max { ($0["box"] as! [Double])[2] < ($1["box"] as! [Double])[2] })
            return try XCTUnwrap((face["person"] as? [String: Any])?["label"] as? String)
        }
    }

    func testEnrolledPersonIsRecognisedAndAStrangerIsNot() throws {
        let lfw10 = try SharedData.path("lfw10")
        func photos(_ who: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: lfw10 + "/" + who).sorted().map { lfw10 + "/" + who + "/" + $0 }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facecli-enroll-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.fcw").path
        try FileManager.default.copyItem(atPath: repo.appendingPathComponent("Weights/facecli-model.fcw").path, toPath: model)

        let powell = try photos("Colin_Powell"), blair = try photos("Tony_Blair")
        let enrol = try FacecliBinary.run(["enroll", "--model", model, "--person", "Colin_Powell"] + Array(powell.prefix(6)))
        XCTAssertEqual(enrol.status, 0, enrol.stderr)
        XCTAssertTrue(enrol.stderr.contains("enrolled Colin_Powell: 6 faces"), enrol.stderr)

        let predicted = try FacecliBinary.run(["predict", "--model", model] + Array(powell.dropFirst(6)) + Array(blair.prefix(4)))
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        let labels = try people(in: predicted.stdout)
        XCTAssertEqual(labels.count, 8)
        XCTAssertGreaterThanOrEqual(labels.prefix(4).filter { $0 == "Colin_Powell" }.count, 3, "\(labels)")
        XCTAssertEqual(labels.suffix(4).filter { $0 == "Colin_Powell" }.count, 0, "\(labels)")
        XCTAssertGreaterThanOrEqual(labels.suffix(4).filter { $0 == "unknown" }.count, 3, "\(labels)")

        let removed = try FacecliBinary.run(["enroll", "--model", model, "--remove", "Colin_Powell"])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        let after = try FacecliBinary.run(["predict", "--model", model] + Array(powell.dropFirst(6)))
        XCTAssertFalse(try people(in: after.stdout).contains("Colin_Powell"))
    }
}
