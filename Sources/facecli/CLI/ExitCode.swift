/// Process exit statuses, following BSD `sysexits.h` so that scripts can tell a typo from a
/// missing file from a full disk. Every command returns one of these; nothing else calls `exit`.
public enum ExitCode: Int32, Sendable {
    /// Everything worked.
    case ok = 0
    /// Some inputs failed (each reported on stderr) but the rest were processed.
    case someFailed = 1
    /// EX_USAGE: the command line is wrong (unknown option, missing value, bad number).
    case usage = 64
    /// EX_DATAERR: an input exists but its content is wrong (corrupt image, bad weight file).
    case dataError = 65
    /// EX_NOINPUT: an input file does not exist or cannot be read.
    case noInput = 66
    /// EX_UNAVAILABLE: the feature is not available (not built yet, no weights for it).
    case unavailable = 69
    /// EX_CANTCREAT: an output file cannot be created.
    case cannotCreate = 73
    /// EX_IOERR: reading or writing failed part-way.
    case ioError = 74
}
