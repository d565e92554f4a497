import Foundation
import XCTest

/// Runs the built `facecli` executable and captures what it prints. The binary sits in the same
/// products folder as the test bundle (`.build/<config>/`); `FACECLI_BIN` overrides it.
enum FacecliBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func url() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["FACECLI_BIN"] {
            return URL(fileURLWithPath: override)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [
            executable.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ].map { $0.appendingPathComponent("facecli") }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        XCTFail("facecli binary not found beside the tests (looked in \(candidates.map(\.path))); set FACECLI_BIN")
        throw CocoaError(.fileNoSuchFile)
    }

    /// `timeout`: seconds after which the child is killed (SIGKILL, status 9), so a hang fails the
    /// test instead of blocking the suite.
    static func run(_ arguments: [String], in directory: URL? = nil, timeout: Double? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        // Files rather than pipes: a child that fills a pipe nobody reads would block forever.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facecli-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("out"), errURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { kill(pid, SIGKILL) } }
        }
        process.waitUntilExit()
        try out.close(); try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
