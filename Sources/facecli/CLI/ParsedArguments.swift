import Foundation
import Tensor

/// The parsed command line of one subcommand, with typed accessors that turn bad values into
/// usage errors naming the option (`--threads must be an integer ≥ 1, got 'x'`).
public struct ParsedArguments: Equatable {
    public let command: String
    /// Values per option name, in command-line order.
    public let values: [String: [String]]
    public let flags: Set<String>
    public let positionals: [String]

    public init(command: String, values: [String: [String]], flags: Set<String>, positionals: [String]) {
        self.command = command; self.values = values; self.flags = flags; self.positionals = positionals
    }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The value of a single-valued option, or nil when absent.
    public func value(_ name: String) -> String? { values[name]?.last }

    /// All values of a repeatable option (empty when absent).
    public func allValues(_ name: String) -> [String] { values[name] ?? [] }

    public func has(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

    /// The value of an option that must be given.
    public func required(_ name: String) throws -> String {
        guard let v = value(name) else { throw usageError("option --\(name) is required") }
        return v
    }

    /// An integer option within `range`; `defaultValue` when absent.
    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let text = value(name) else { return defaultValue }
        guard let v = Int(text), range.contains(v) else {
            throw usageError("--\(name) must be an integer\(describe(range)), got '\(text)'")
        }
        return v
    }

    /// A comma-separated list of integers, each within `range`; `defaultValue` when absent.
    public func ints(_ name: String, default defaultValue: [Int], in range: ClosedRange<Int> = Int.min...Int.max) throws -> [Int] {
        guard let text = value(name) else { return defaultValue }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = items.compactMap { Int($0) }.filter { range.contains($0) }
        guard !items.isEmpty, values.count == items.count else {
            throw usageError("--\(name) must be a comma-separated list of integers\(describe(range)), got '\(text)'")
        }
        return values
    }

    /// A finite floating-point option within `range`; `defaultValue` when absent.
    public func double(_ name: String, default defaultValue: Double,
                       in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double {
        guard let text = value(name) else { return defaultValue }
        guard let v = Double(text), v.isFinite, range.contains(v) else {
            let bounds = range.lowerBound == -Double.greatestFiniteMagnitude && range.upperBound == Double.greatestFiniteMagnitude
                ? "" : " in \(range.lowerBound)…\(range.upperBound)"
            throw usageError("--\(name) must be a number\(bounds), got '\(text)'")
        }
        return v
    }

    /// One of a fixed set of words, e.g. `--backbone mobilenet|mobilenetv2|inceptionv3`.
    public func choice(_ name: String, from choices: [String], default defaultValue: String? = nil) throws -> String? {
        guard let text = value(name) else { return defaultValue }
        guard choices.contains(text) else {
            throw usageError("--\(name) must be one of \(choices.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    /// `--threads N` (see `CommonOptions.threads`): N ≥ 1; all cores when absent.
    public func threads() throws -> Int {
        try int("threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...ThreadPool.maximumThreadCount)
    }

    /// A usage error attributed to this command.
    public func usageError(_ message: String) -> CLIError { .usage(message, command: command) }

    private func describe(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound == Int.min, range.upperBound == Int.max) {
        case (true, true): return ""
        case (false, true): return " ≥ \(range.lowerBound)"
        case (true, false): return " ≤ \(range.upperBound)"
        case (false, false): return " in \(range.lowerBound)…\(range.upperBound)"
        }
    }
}
