/// `facecli bench --ops | --detect IMAGE | --backbone NAME`: speed measurements. Each mode lives in
/// its own file under `Commands/Bench/` and declares its selector and its own options; this file
/// only gathers them and dispatches to the one the user chose.
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "Measure speed: tensor ops, the detector on an image, or a backbone."
    static let discussion = """
        Give exactly one mode: --ops (per-op GFLOP/s at MobileNet layer shapes, naive and fast
        kernels), --detect IMAGE (MTCNN on one image) or --backbone NAME (one forward pass at 128×128).
        """

    static let modes: [any BenchMode.Type] = benchModes

    /// Options every mode understands.
    static let sharedOptions: [OptionSpec] = [
        .value("runs", "n", help: "Timed repetitions; the median is reported.", default: "depends on the mode"),
        CommonOptions.threads,
    ]

    static var options: [OptionSpec] {
        var all = modes.map { mode in
            var selector = mode.selector
            if !mode.isBuilt { selector.help += " (not built yet)" }
            return selector
        } + sharedOptions
        for option in modes.flatMap({ $0.options }) where !all.contains(where: { $0.name == option.name }) {
            all.append(option)
        }
        return all
    }

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        let chosen = modes.filter { arguments.has($0.selector.name) }
        guard chosen.count == 1, let mode = chosen.first else {
            let names = modes.map { "--\($0.selector.name)" }.joined(separator: ", ")
            throw arguments.usageError(chosen.isEmpty ? "'bench' needs a mode: one of \(names)"
                                                      : "'bench' takes one mode at a time, got \(chosen.map { "--\($0.selector.name)" }.joined(separator: " and "))")
        }
        guard mode.isBuilt else { throw CLIError.notBuilt(command: "bench --\(mode.selector.name)") }
        return try mode.run(arguments)
    }
}

/// Every mode of `facecli bench`, in help order.
public let benchModes: [any BenchMode.Type] = [BenchOpsMode.self, BenchDetectMode.self, BenchBackboneMode.self, BenchEmbeddingMode.self]

/// One mode of `facecli bench`.
public protocol BenchMode {
    /// The option that selects the mode: a flag (`--ops`) or an option with a value (`--detect IMAGE`).
    static var selector: OptionSpec { get }
    /// Options only this mode reads (may repeat another mode's option with the same meaning).
    static var options: [OptionSpec] { get }
    /// False until implemented: `bench` then reports "not built yet" (exit 69).
    static var isBuilt: Bool { get }
    static func run(_ arguments: ParsedArguments) throws -> ExitCode
}

extension BenchMode {
    public static var options: [OptionSpec] { [] }
    public static var isBuilt: Bool { true }

    /// Placeholder for modes not built yet (`isBuilt = false`): implement `run` in the mode file
    /// and delete its `isBuilt` line.
    public static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: "bench --\(selector.name)")
    }
}
