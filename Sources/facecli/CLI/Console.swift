import Foundation

/// Results go to stdout, everything else (errors, warnings, progress) to stderr, so that
/// `facecli predict a.jpg > out.txt` captures only results.
public enum Console {
    /// Writes `facecli: <message>` to stderr.
    public static func error(_ message: String) {
        standardError("facecli: " + message)
    }

    /// Writes a line to stderr as is (progress, warnings that carry their own prefix).
    public static func standardError(_ line: String) {
        FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
    }
}
