/// Splits a subcommand's arguments into options and positionals according to its declared
/// `OptionSpec`s and `PositionalSpec`s. Accepted forms: `--name value`, `--name=value`, `--flag`,
/// repeated `--name v1 --name v2` for repeatable options, `--` to end options, `-h`/`--help`.
/// Every error is a `CLIError.usage` that names the command and points at its `--help`.
public struct ArgumentParser {
    public let command: String
    public let options: [OptionSpec]
    public let positionals: [PositionalSpec]

    public init(command: String, options: [OptionSpec], positionals: [PositionalSpec]) {
        self.command = command; self.options = options; self.positionals = positionals
    }

    /// The outcome: either the parsed arguments or a request for help.
    public enum Outcome: Equatable {
        case arguments(ParsedArguments)
        case help
    }

    public func parse(_ arguments: [String]) throws -> Outcome {
        var values: [String: [String]] = [:]
        var flags: Set<String> = []
        var rest: [String] = []
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if optionsEnded || token == "-" || !token.hasPrefix("-") {
                rest.append(token)
                continue
            }
            if token == "--" { optionsEnded = true; continue }
            if token == "-h" || token == "--help" { return .help }
            guard token.hasPrefix("--") else {
                // Single-dash tokens: negative numbers are positionals, anything else is a typo.
                if Double(token) != nil { rest.append(token); continue }
                throw usage("unknown option \(token) for '\(command)' (options are spelled --name)")
            }
            let body = token.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let eq = body.firstIndex(of: "=") {
                name = String(body[..<eq]); inlineValue = String(body[body.index(after: eq)...])
            } else {
                name = String(body)
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw usage("unknown option --\(name) for '\(command)'" + suggestion(for: name))
            }
            switch spec.kind {
            case .flag:
                if inlineValue != nil { throw usage("option --\(name) of '\(command)' takes no value") }
                flags.insert(name)
            case .value, .repeatable:
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    // A following `--option` means the value was forgotten; `-3` is a value.
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw usage("option --\(name) of '\(command)' needs a value <\(spec.valueName)>")
                    }
                    value = arguments[index]
                    index += 1
                }
                if spec.kind == .value, values[name] != nil {
                    throw usage("option --\(name) of '\(command)' given more than once")
                }
                values[name, default: []].append(value)
            }
        }
        try checkPositionalCount(rest.count)
        return .arguments(ParsedArguments(command: command, values: values, flags: flags, positionals: rest))
    }

    private func checkPositionalCount(_ count: Int) throws {
        let required = positionals.filter { !$0.optional }
        if count < required.count {
            let missing = required[count...].map { "<\($0.name)>" }.joined(separator: " ")
            throw usage("'\(command)' needs \(missing)")
        }
        if positionals.last?.variadic != true, count > positionals.count {
            if positionals.isEmpty { throw usage("'\(command)' takes no positional arguments") }
            throw usage("'\(command)' takes at most \(positionals.count) positional argument\(positionals.count == 1 ? "" : "s"), got \(count)")
        }
    }

    private func usage(_ message: String) -> CLIError { .usage(message, command: command) }

    /// " (did you mean --x?)" when one declared option is within two edits of `name`.
    private func suggestion(for name: String) -> String {
        let close = options.map { ($0.name, editDistance($0.name, name)) }
            .filter { $0.1 <= 2 }
            .min { $0.1 < $1.1 }
        return close.map { " (did you mean --\($0.0)?)" } ?? ""
    }
}

/// Levenshtein distance between two short strings.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
