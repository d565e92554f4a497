import Foundation
import Support

/// One classification task: its name (a column or `person`) and its class labels, sorted so that
/// class indices do not depend on file order.
public struct TaskInfo: Codable, Equatable, Sendable {
    public let name: String
    public let labels: [String]

    public init(name: String, labels: [String]) {
        self.name = name; self.labels = labels
    }
}

/// One labelled image.
public struct Sample: Equatable, Sendable {
    /// Full path of the image file.
    public let path: String
    /// Path relative to its dataset root (how model files name held-out images).
    public let relativePath: String
    /// One class index per task of the dataset, `Loss.missing` (−1) where that label is missing.
    public var labels: [Int]

    public init(path: String, relativePath: String, labels: [Int]) {
        self.path = path; self.relativePath = relativePath; self.labels = labels
    }
}

/// Labelled images from one or more dataset roots (SPEC "Datasets the tool must read").
///
/// Layouts, one per root:
/// - **label file**: `ROOT/labels.csv` with a `path` column (relative to ROOT) and one column per
///   task; an empty cell is a missing label.
/// - **identity folders**: `ROOT/<identity>/*.{jpg,jpeg,png}`, the folder name being the `person`
///   label, and optionally `ROOT/attributes.csv` (`identity,<task>,…`) with per-identity labels.
///
/// Several roots combine: the tasks are the union of their columns and a label a root does not
/// have is missing (masked in the loss). Tasks are ordered `person` first, then by first appearance.
public struct Dataset: Sendable {
    public static let missing = -1
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    public let tasks: [TaskInfo]
    public let samples: [Sample]

    public init(tasks: [TaskInfo], samples: [Sample]) {
        precondition(samples.allSatisfy { $0.labels.count == tasks.count }, "Dataset: every sample needs one label per task")
        self.tasks = tasks; self.samples = samples
    }

    /// Loads and combines `roots`. `only` keeps just these tasks, in this order (each must exist
    /// in at least one root); nil keeps every task found.
    public init(roots: [String], only: [String]? = nil) throws {
        precondition(!roots.isEmpty, "Dataset: no root given")
        var raw: [(path: String, relative: String, labels: [String: String])] = []
        var taskOrder: [String] = []
        for root in roots {
            let part = try Dataset.readRoot(root)
            for name in part.columns where !taskOrder.contains(name) { taskOrder.append(name) }
            raw += part.samples
        }
        if let i = taskOrder.firstIndex(of: "person"), i > 0 { taskOrder.remove(at: i); taskOrder.insert("person", at: 0) }
        if let only {
            for name in only where !taskOrder.contains(name) {
                throw FileError(.badData, path: roots.joined(separator: ", "),
                                "unknown task '\(name)' (the data has: \(taskOrder.joined(separator: ", ")))")
            }
            taskOrder = only
        }
        let tasks = taskOrder.map { name in
            TaskInfo(name: name, labels: Set(raw.compactMap { $0.labels[name] }).sorted())
        }
        let indices = tasks.map { t in Dictionary(uniqueKeysWithValues: t.labels.enumerated().map { ($1, $0) }) }
        let samples = raw.compactMap { r -> Sample? in
            let labels = tasks.indices.map { k in r.labels[tasks[k].name].map { indices[k][$0]! } ?? Dataset.missing }
            // With a task selection an image may end up with no label at all: it teaches nothing.
            return labels.allSatisfy({ $0 == Dataset.missing }) ? nil : Sample(path: r.path, relativePath: r.relative, labels: labels)
        }
        self.init(tasks: tasks, samples: samples)
    }

    /// Index of task `name`, if present.
    public func taskIndex(_ name: String) -> Int? { tasks.firstIndex { $0.name == name } }

    /// Reads one root: its task columns and its samples with string labels (missing ones absent).
    static func readRoot(_ root: String) throws -> (columns: [String], samples: [(path: String, relative: String, labels: [String: String])]) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir) else { throw FileError(.missing, path: root, "no such folder") }
        guard isDir.boolValue else { throw FileError(.badData, path: root, "is a file, expected a dataset folder") }
        let labelFile = root + "/labels.csv"
        if FileManager.default.fileExists(atPath: labelFile) { return try readLabelFile(root: root, file: labelFile) }
        return try readIdentityFolders(root: root)
    }

    static func readLabelFile(root: String, file: String) throws -> (columns: [String], samples: [(path: String, relative: String, labels: [String: String])]) {
        let table = try CSVTable(path: file)
        let pathColumn = try table.column("path")
        let columns = table.header.enumerated().filter { $0.offset != pathColumn }
        var seen = [String: Int]()
        var samples: [(path: String, relative: String, labels: [String: String])] = []
        for (row, line) in zip(table.rows, table.lines) {
            let relative = row[pathColumn]
            guard !relative.isEmpty else { throw FileError(.badData, path: file, "line \(line): empty path") }
            if let first = seen[relative] {
                throw FileError(.badData, path: file, "line \(line): '\(relative)' is listed twice (first on line \(first))")
            }
            seen[relative] = line
            let full = root + "/" + relative
            guard FileManager.default.fileExists(atPath: full) else {
                throw FileError(.badData, path: file, "line \(line): image '\(relative)' not found in \(root)")
            }
            var labels = [String: String]()
            for (i, name) in columns where !row[i].isEmpty { labels[name] = row[i] }
            samples.append((full, relative, labels))
        }
        guard !samples.isEmpty else { throw FileError(.badData, path: file, "lists no image") }
        return (columns.map(\.element), samples)
    }

    static func readIdentityFolders(root: String) throws -> (columns: [String], samples: [(path: String, relative: String, labels: [String: String])]) {
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: root)) ?? []
        var identities = [String: [String]]()   // identity → image file names, sorted
        for name in entries where !name.hasPrefix(".") {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root + "/" + name, isDirectory: &isDir), isDir.boolValue else { continue }
            let images = ((try? fm.contentsOfDirectory(atPath: root + "/" + name)) ?? [])
                .filter { !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted()
            if !images.isEmpty { identities[name] = images }
        }
        guard !identities.isEmpty else {
            throw FileError(.badData, path: root, "no labels.csv and no identity folders with .jpg/.jpeg/.png images")
        }
        var columns = ["person"]
        var attributes = [String: [String: String]]()
        let attributeFile = root + "/attributes.csv"
        if fm.fileExists(atPath: attributeFile) {
            let table = try CSVTable(path: attributeFile)
            let idColumn = try table.column("identity")
            let taskColumns = table.header.enumerated().filter { $0.offset != idColumn }
            if let clash = taskColumns.first(where: { $0.element == "person" }) {
                throw FileError(.badData, path: attributeFile, "column '\(clash.element)' clashes with the folder-name label")
            }
            columns += taskColumns.map(\.element)
            var seen = [String: Int]()
            for (row, line) in zip(table.rows, table.lines) {
                let identity = row[idColumn]
                if let first = seen[identity] {
                    throw FileError(.badData, path: attributeFile, "line \(line): identity '\(identity)' is listed twice (first on line \(first))")
                }
                seen[identity] = line
                guard identities[identity] != nil else {
                    throw FileError(.badData, path: attributeFile, "line \(line): unknown identity '\(identity)' (no folder \(root)/\(identity) with images)")
                }
                var labels = [String: String]()
                for (i, name) in taskColumns where !row[i].isEmpty { labels[name] = row[i] }
                attributes[identity] = labels
            }
        }
        var samples: [(path: String, relative: String, labels: [String: String])] = []
        for identity in identities.keys.sorted() {
            var labels = attributes[identity] ?? [:]
            labels["person"] = identity
            for image in identities[identity]! {
                samples.append((root + "/" + identity + "/" + image, identity + "/" + image, labels))
            }
        }
        return (columns, samples)
    }
}
