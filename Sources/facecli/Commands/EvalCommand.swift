/// `facecli eval DATA`: accuracy, precision, recall, F1 and confusion matrix per task.
enum EvalCommand: Command {
    static let name = "eval"
    static let summary = "Evaluate a trained model on a labelled dataset (accuracy, precision, recall, F1, confusion)."
    static let options: [OptionSpec] = [
        CommonOptions.model,
        CommonOptions.json,
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("data", help: "Dataset folder (same layouts as 'train').")]
    static let isBuilt = false
}
