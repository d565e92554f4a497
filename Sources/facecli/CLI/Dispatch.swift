/// Top level: `facecli --help`, `facecli --version`, `facecli help [<command>]`,
/// `facecli <command> [arguments]`. Returns the exit status; only `main.swift` calls `exit`.
public enum Dispatch {
    public static func run(_ arguments: [String], commands: [any Command.Type]) -> ExitCode {
        guard let first = arguments.first else {
            Console.standardError(Help.topLevel(commands))
            return .usage
        }
        switch first {
        case "-h", "--help":
            print(Help.topLevel(commands))
            return .ok
        case "--version":
            print("facecli \(facecliVersion)")
            return .ok
        case "help":
            guard arguments.count <= 2 else {
                return report(CLIError.usage("'help' takes at most one command name", command: nil))
            }
            guard arguments.count == 2 else { print(Help.topLevel(commands)); return .ok }
            guard let command = find(arguments[1], in: commands) else {
                return report(unknownCommand(arguments[1], commands))
            }
            print(Help.command(command))
            return .ok
        default:
            guard let command = find(first, in: commands) else {
                return report(first.hasPrefix("-")
                    ? CLIError.usage("unknown option \(first); options go after the command", command: nil)
                    : unknownCommand(first, commands))
            }
            return run(command, Array(arguments.dropFirst()))
        }
    }

    static func run(_ command: any Command.Type, _ arguments: [String]) -> ExitCode {
        do {
            switch try command.parser.parse(arguments) {
            case .help:
                print(Help.command(command))
                return .ok
            case let .arguments(parsed):
                guard command.isBuilt else { throw CLIError.notBuilt(command: command.name) }
                return try command.run(parsed)
            }
        } catch {
            return report(error)
        }
    }

    /// Prints `facecli: <message>` (`facecli <command>: not built yet`) to stderr and returns the
    /// error's exit status.
    public static func report(_ error: Error) -> ExitCode {
        if case let CLIError.notBuilt(command) = error {
            Console.standardError("facecli \(command): not built yet")
        } else {
            Console.error(ErrorReporting.message(for: error))
        }
        return ErrorReporting.exitCode(for: error)
    }

    private static func find(_ name: String, in commands: [any Command.Type]) -> (any Command.Type)? {
        commands.first { $0.name == name }
    }

    private static func unknownCommand(_ name: String, _ commands: [any Command.Type]) -> CLIError {
        let close = commands.map { ($0.name, editDistance($0.name, name)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }
        return .usage("unknown command '\(name)'" + (close.map { " (did you mean '\($0.0)'?)" } ?? ""), command: nil)
    }
}
