import Foundation
import Layers
import Support
import Tensor
import XCTest

final class WeightFileTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "fcw-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testRoundTripF32AndF16() throws {
        var rng = SeededRandom(seed: 1)
        let a = Tensor(randomUniform: [3, 3, 2, 5], using: &rng)
        let b = Tensor(randomUniform: [7], using: &rng)
        for dtype in [WeightFile.DType.f32, .f16] {
            let path = directory + "/w-\(dtype).fcw"
            try WeightFile.write(path: path, tensors: [("a", a), ("b", b)], metadata: ["source": "test", "n": 3], dtype: dtype)
            let file = try WeightFile(path: path)
            XCTAssertEqual(file.names, ["a", "b"])
            XCTAssertEqual(file.string("source"), "test")
            XCTAssertEqual(file.metadata["n"] as? Int, 3)
            let tolerance: Float = dtype == .f32 ? 0 : 1e-3
            XCTAssertLessThanOrEqual(try file.tensor("a").maxAbsDifference(a), tolerance)
            XCTAssertLessThanOrEqual(try file.tensor("b", shape: [7]).maxAbsDifference(b), tolerance)
            XCTAssertThrowsError(try file.tensor("b", shape: [8]))
            XCTAssertThrowsError(try file.tensor("missing"))
        }
    }

    func testDamagedFilesAreRefusedWithTheirName() throws {
        let path = directory + "/good.fcw"
        try WeightFile.write(path: path, tensors: [("w", Tensor(repeating: 1.5, shape: [100]))])
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        func expectFailure(_ bytes: Data, _ fragment: String, line: UInt = #line) {
            let bad = directory + "/bad.fcw"
            FileManager.default.createFile(atPath: bad, contents: bytes)
            XCTAssertThrowsError(try WeightFile(path: bad), line: line) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(bad), "message names the file: \(message)", line: line)
                XCTAssertTrue(message.contains(fragment), "'\(fragment)' in \(message)", line: line)
            }
        }
        expectFailure(Data(), "empty")
        expectFailure(good.prefix(good.count / 2), "checksum")
        expectFailure(good.prefix(20), "truncated")
        var tampered = good; tampered[good.count - 100] ^= 0x01
        expectFailure(tampered, "checksum")
        var magic = good; magic[0] = 0x58
        expectFailure(magic, "magic")
        var version = good; version[8] = 9
        expectFailure(version, "version")
        XCTAssertThrowsError(try WeightFile(path: directory + "/nope.fcw")) { XCTAssertTrue("\($0)".contains("no such file")) }
        XCTAssertThrowsError(try WeightFile(path: directory)) { XCTAssertTrue("\($0)".contains("directory")) }
    }

    func testReadsWhatThePythonWriterWrites() throws {
        // tools/fcw.py is the writer the converters use; both sides must agree byte for byte.
        let tools = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools").path
        let path = directory + "/py.fcw"
        let script = "import sys; sys.path.insert(0, '\(tools)'); import numpy as np, fcw; fcw.write('\(path)', {'x': np.arange(6, dtype=np.float32).reshape(2, 3)}, {'k': 'v'})"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("python3 with numpy is not available to cross-check tools/fcw.py") }
        let file = try WeightFile(path: path)
        XCTAssertEqual(try file.tensor("x"), Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(file.string("k"), "v")
    }
}
