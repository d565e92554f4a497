/// `facecli detect IMAGE...`: MTCNN face boxes and five landmarks per face.
enum DetectCommand: Command {
    static let name = "detect"
    static let summary = "Find the faces in images: box, score and five landmarks per face."
    static let options: [OptionSpec] = [
        .value("min-face", "px", help: "Smallest face to find, in pixels.", default: "20"),
        .value("annotate", "dir", help: "Write a copy of each image with boxes and landmarks drawn into this folder."),
        .flag("json", help: "Print one JSON object per image instead of text."),
        CommonOptions.threads,
    ]
    static let positionals = [PositionalSpec("image", help: "JPEG or PNG images.", variadic: true)]
    static let isBuilt = false

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: name)
    }
}
