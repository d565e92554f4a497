/// One `--name` option as a command declares it. Help text and parsing both come from this, so the
/// two never disagree.
public struct OptionSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `--name` alone; present or not.
        case flag
        /// `--name VALUE` or `--name=VALUE`, at most once.
        case value
        /// `--name VALUE`, any number of times; values kept in order.
        case repeatable
    }

    /// Without the leading dashes, e.g. `"threads"`.
    public let name: String
    public let kind: Kind
    /// Shown in help as `<valueName>`, e.g. `n`, `path`.
    public let valueName: String
    public var help: String
    /// Shown in help as `(default: …)`; the command applies it, the parser does not.
    public let defaultValue: String?

    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, kind: .flag, valueName: "", help: help, defaultValue: nil)
    }

    public static func value(_ name: String, _ valueName: String, help: String, default defaultValue: String? = nil) -> OptionSpec {
        OptionSpec(name: name, kind: .value, valueName: valueName, help: help, defaultValue: defaultValue)
    }

    public static func repeatable(_ name: String, _ valueName: String, help: String) -> OptionSpec {
        OptionSpec(name: name, kind: .repeatable, valueName: valueName, help: help, defaultValue: nil)
    }
}

/// A positional argument. Only the last one may be `variadic`; optional ones come after required ones.
public struct PositionalSpec: Sendable, Equatable {
    public let name: String
    public let help: String
    public let optional: Bool
    public let variadic: Bool

    public init(_ name: String, help: String, optional: Bool = false, variadic: Bool = false) {
        self.name = name; self.help = help; self.optional = optional; self.variadic = variadic
    }
}

/// Options that several commands share, declared once so that they read the same everywhere.
public enum CommonOptions {
    /// `--threads N`; read it with `ParsedArguments.threads()`, which checks N ≥ 1.
    public static let threads = OptionSpec.value("threads", "n", help: "Worker threads, 1 to 64.", default: "all cores")
    /// `--json`: machine-readable results on stdout.
    public static let json = OptionSpec.flag("json", help: "Print one JSON object per input instead of text.")
    /// `--model PATH`: a trained model file.
    public static let model = OptionSpec.value("model", "path", help: "Trained model (.fcw) written by 'facecli train'.")
    /// `<image>...`: the inputs of per-image commands.
    public static let images = PositionalSpec("image", help: "JPEG or PNG images (format read from the content).", variadic: true)
}
