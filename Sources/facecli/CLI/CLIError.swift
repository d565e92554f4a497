/// An error of the command line itself, or a command's way of saying "this exit status, this
/// message". Library errors (`FileError`, `ImageError`, …) are mapped in `ErrorReporting.swift`.
public enum CLIError: Error, CustomStringConvertible, Equatable {
    /// Wrong command line; `command` is the subcommand name (nil at top level) so that the
    /// message can point at the right `--help`.
    case usage(String, command: String?)
    /// The feature exists on the command line but not yet in the code (exit 69).
    case notBuilt(command: String)
    /// Any other failure with an explicit exit status.
    case failure(String, ExitCode)

    public var description: String {
        switch self {
        case let .usage(message, command):
            let help = command.map { "facecli \($0) --help" } ?? "facecli --help"
            return "\(message); see '\(help)'"
        case let .notBuilt(command):
            return "facecli \(command): not built yet"
        case let .failure(message, _):
            return message
        }
    }

    public var exitCode: ExitCode {
        switch self {
        case .usage: return .usage
        case .notBuilt: return .unavailable
        case let .failure(_, code): return code
        }
    }
}
