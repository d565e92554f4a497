import ImageIO
import Support

/// Maps any error a command throws to its message (printed as `facecli: <message>`) and its exit
/// status. Library errors already name the file and the problem, so they are printed as they are.
public enum ErrorReporting {
    public static func exitCode(for error: Error) -> ExitCode {
        switch error {
        case let e as CLIError:
            return e.exitCode
        case let e as FileError:
            switch e.kind {
            case .missing, .isDirectory, .unreadable: return .noInput
            case .cannotCreate: return .cannotCreate
            case .io: return .ioError
            case .badData: return .dataError
            }
        case is ImageError:
            // Corrupt, truncated, empty, not an image, too large: all "the input's content is wrong".
            return .dataError
        default:
            return .dataError
        }
    }

    public static func message(for error: Error) -> String {
        String(describing: error)
    }
}
