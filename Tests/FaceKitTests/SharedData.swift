import Foundation
import XCTest

/// The shared data folder: `$FACECLI_SHARED`, else `<repo>/../shared`, else `/work/shared`;
/// `…/data` inside it. Missing data fails under CI and skips (visibly) elsewhere.
func sharedDataPath() throws -> String {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var candidates = [String]()
    if let env = ProcessInfo.processInfo.environment["FACECLI_SHARED"] { candidates.append(env) }
    candidates.append(repo.appendingPathComponent("../shared").standardized.path)
    candidates.append("/work/shared")
    for c in candidates where FileManager.default.fileExists(atPath: c + "/data") { return c + "/data" }
    let message = "shared data folder not found (tried \(candidates.joined(separator: ", ")))"
    if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message); throw XCTSkip(message) }
    throw XCTSkip(message)
}
