/// One `facecli <name>` subcommand. A command file declares everything about its command (name,
/// one-line summary, options, positionals, run) and is listed once in `Commands/Registry.swift`;
/// help, parsing and error reporting come from these declarations.
public protocol Command {
    static var name: String { get }
    /// One line, shown in `facecli --help`.
    static var summary: String { get }
    /// Paragraphs shown after the usage line in `facecli <name> --help` (may be empty).
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    static var positionals: [PositionalSpec] { get }
    /// False while the command is only a declaration: it then parses its arguments, prints
    /// "not built yet" and exits 69 without calling `run`. Delete the override when implementing.
    static var isBuilt: Bool { get }
    /// Does the work. Returns `.ok` or `.someFailed`; throws for anything that stops the command
    /// (a `CLIError`, `FileError`, `ImageError`, …: see `ErrorReporting.swift` for exit statuses).
    static func run(_ arguments: ParsedArguments) throws -> ExitCode
}

extension Command {
    public static var discussion: String { "" }
    public static var positionals: [PositionalSpec] { [] }
    public static var isBuilt: Bool { true }

    /// Placeholder for commands that are declared but not built (`isBuilt = false`): implement
    /// `run` in the command file and delete its `isBuilt` line.
    public static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: name)
    }

    static var parser: ArgumentParser {
        ArgumentParser(command: name, options: options, positionals: positionals)
    }
}
