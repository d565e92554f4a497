/// `facecli predict IMAGE...`: detects, aligns and classifies every face in each image.
enum PredictCommand: Command {
    static let name = "predict"
    static let summary = "Find the faces in images and tell who each is, the age group and the ethnicity."
    static let options: [OptionSpec] = [
        .value("model", "path", help: "Trained model (.fcw) written by 'facecli train'."),
        .flag("json", help: "Print one JSON object per image instead of text."),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("image", help: "JPEG or PNG images.", variadic: true)]
    static let isBuilt = false

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: name)
    }
}
