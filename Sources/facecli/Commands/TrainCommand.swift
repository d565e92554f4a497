/// `facecli train DATA`: trains the multi-task heads on a frozen backbone.
enum TrainCommand: Command {
    static let name = "train"
    static let summary = "Train multi-task heads (person, age group, ethnicity, …) on a dataset."
    static let discussion = """
        DATA is an identity-folder dataset (DATA/<identity>/*.jpg, optional DATA/attributes.csv) or a
        folder with labels.csv (a path column and one column per task).
        """
    static let options: [OptionSpec] = [
        .value("backbone", "name", help: "mobilenet, mobilenetv2 or inceptionv3.", default: "mobilenet"),
        .value("out", "path", help: "Where to write the trained model (.fcw)."),
        .value("epochs", "n", help: "Maximum number of epochs.", default: "100"),
        .value("batch-size", "n", help: "Images per batch.", default: "32"),
        .value("seed", "n", help: "Seed for the split, shuffling and augmentation.", default: "0"),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("data", help: "Dataset folder.")]
    static let isBuilt = false

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: name)
    }
}
