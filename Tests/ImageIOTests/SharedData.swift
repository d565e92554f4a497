import Foundation
import XCTest

/// The real test data folder (never copied into the repo): `$FACECLI_SHARED/data` if set, else
/// `<repo>/../shared/data`, else `/work/shared/data`. When it is missing the test fails under CI
/// (`CI` set) and is skipped visibly otherwise.
func sharedDataPath(file: StaticString = #filePath) throws -> URL {
    let environment = ProcessInfo.processInfo.environment
    let repo = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var candidates: [URL] = []
    if let shared = environment["FACECLI_SHARED"] { candidates.append(URL(fileURLWithPath: shared)) }
    candidates += [repo.deletingLastPathComponent().appendingPathComponent("shared"), URL(fileURLWithPath: "/work/shared")]
    for shared in candidates {
        let data = shared.appendingPathComponent("data")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: data.path, isDirectory: &isDirectory), isDirectory.boolValue { return data }
    }
    let message = "shared test data not found (looked in \(candidates.map { $0.appendingPathComponent("data").path }))"
    if environment["CI"] != nil {
        XCTFail(message)
        throw CocoaError(.fileNoSuchFile)
    }
    throw XCTSkip(message)
}
