/// `facecli bench --backbone NAME`: forward-pass time of one backbone at 128×128.
enum BenchBackboneMode: BenchMode {
    static let selector = OptionSpec.value("backbone", "name", help: "Benchmark a backbone: mobilenet, mobilenetv2 or inceptionv3.")
    static let isBuilt = false

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: "bench --backbone")
    }
}
