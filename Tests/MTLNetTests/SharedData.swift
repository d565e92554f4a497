import Foundation
import XCTest

/// The shared data folder: env `FACECLI_SHARED`, else `<repo>/../shared`, else `/work/shared`.
/// Returns `<shared>/data/<name>`; throws XCTSkip when it is missing (a failure when `CI` is set).
func sharedDataPath(_ name: String) throws -> String {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates: [String?] = [ProcessInfo.processInfo.environment["FACECLI_SHARED"], repo.appendingPathComponent("../shared").standardized.path, "/work/shared"]
    for case let root? in candidates where FileManager.default.fileExists(atPath: root + "/data/" + name) {
        return root + "/data/" + name
    }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        XCTFail("shared data '\(name)' is missing (set FACECLI_SHARED)")
        throw XCTSkip("shared data '\(name)' missing")
    }
    throw XCTSkip("shared data '\(name)' is missing: tests that need it are skipped (set FACECLI_SHARED)")
}
