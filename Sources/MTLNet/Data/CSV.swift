import Foundation
import Support

/// A CSV file read in full: RFC 4180 quoting (`"a, b"`, `""` for a quote, line breaks inside
/// quotes), LF or CRLF line ends, an optional UTF-8 byte-order mark, blank lines skipped,
/// spaces around unquoted fields trimmed. Every malformed row is a `FileError` naming the file and
/// the line, never a guess.
public struct CSVTable: Sendable {
    public let path: String
    /// Column names from the first line (unique, non-empty).
    public let header: [String]
    /// One array per data row, each with `header.count` fields.
    public let rows: [[String]]
    /// 1-based line number where each row starts (for error messages).
    public let lines: [Int]

    /// Reads and parses `path`.
    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FileError(FileManager.default.fileExists(atPath: path) ? .unreadable : .missing, path: path,
                            FileManager.default.fileExists(atPath: path) ? "cannot read" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FileError(.badData, path: path, "not UTF-8 text") }
        try self.init(text: text, path: path)
    }

    /// Parses `text`; `path` is only used in error messages.
    public init(text: String, path: String) throws {
        func bad(_ line: Int, _ reason: String) -> FileError { FileError(.badData, path: path, "line \(line): \(reason)") }
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false        // inside a quoted field
        var wasQuoted = false     // the current field was quoted (no trimming, nothing may follow the quote)
        var line = 1, recordLine = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endField() {
            fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
            field = ""; wasQuoted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"":
                    guard field.trimmingCharacters(in: .whitespaces).isEmpty, !wasQuoted else {
                        throw bad(line, "a quote in the middle of an unquoted field (quote the whole field and double inner quotes)")
                    }
                    field = ""; quoted = true; wasQuoted = true
                case ",":
                    endField()
                case "\r" where i + 1 < chars.count && chars[i + 1] == "\n":
                    break
                case "\n", "\r":
                    endRecord(); line += 1; recordLine = line
                default:
                    if wasQuoted && c != " " && c != "\t" { throw bad(line, "text after a closing quote") }
                    if !wasQuoted { field.unicodeScalars.append(c) }
                }
            }
            i += 1
        }
        if quoted { throw bad(recordLine, "unterminated quoted field") }
        if !field.isEmpty || wasQuoted || !fields.isEmpty { endRecord() }
        guard let first = records.first else { throw FileError(.badData, path: path, "empty file, expected a header line") }
        var seen = Set<String>()
        for name in first.fields {
            guard !name.isEmpty else { throw bad(first.line, "empty column name in the header") }
            guard seen.insert(name).inserted else { throw bad(first.line, "column '\(name)' appears twice in the header") }
        }
        for r in records.dropFirst() where r.fields.count != first.fields.count {
            throw bad(r.line, "\(r.fields.count) fields, the header has \(first.fields.count)")
        }
        self.path = path
        header = first.fields
        rows = records.dropFirst().map(\.fields)
        lines = records.dropFirst().map(\.line)
    }

    /// Index of column `name`, or an error saying which columns exist.
    public func column(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw FileError(.badData, path: path, "has no '\(name)' column (columns: \(header.joined(separator: ", ")))")
        }
        return i
    }
}
