import Foundation
import XCTest

/// The real test data (never copied into the repo): `$FACECLI_SHARED/data` if set, else
/// `<repo>/../shared/data` (where CI puts it), else `/work/shared/data`. When it is missing a test
/// fails under CI (`CI` set) and is skipped visibly elsewhere. One place for every test target.
public enum SharedData {
    /// The `data` folder.
    public static func folder() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates = [String]()
        if let shared = environment["FACECLI_SHARED"] { candidates.append(shared) }
        candidates += [repo.appendingPathComponent("../shared").standardized.path, "/work/shared"]
        for c in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: c + "/data", isDirectory: &isDirectory), isDirectory.boolValue { return c + "/data" }
        }
        throw missing("shared data folder not found (looked in \(candidates.map { $0 + "/data" }.joined(separator: ", ")))")
    }

    /// `<data>/<relative>`, which must exist.
    public static func path(_ relative: String) throws -> String {
        let p = try folder() + "/" + relative
        guard FileManager.default.fileExists(atPath: p) else { throw missing("shared data '\(relative)' is missing (\(p))") }
        return p
    }

    private static func missing(_ message: String) -> Error {
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message) }
        return XCTSkip(message)
    }
}
