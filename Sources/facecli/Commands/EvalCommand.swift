/// `facecli eval DATA`: accuracy, precision, recall, F1 and confusion matrix per task.
enum EvalCommand: Command {
    static let name = "eval"
    static let summary = "Evaluate a trained model on a labelled dataset (accuracy, precision, recall, F1, confusion)."
    static let options: [OptionSpec] = [
        .value("model", "path", help: "Trained model (.fcw) written by 'facecli train'."),
        .flag("json", help: "Print the metrics as JSON."),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("data", help: "Dataset folder (same layouts as 'train').")]
    static let isBuilt = false

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: name)
    }
}
