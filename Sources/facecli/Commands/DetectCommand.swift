/// `facecli detect IMAGE...`: MTCNN face boxes and five landmarks per face.
enum DetectCommand: Command {
    static let name = "detect"
    static let summary = "Find the faces in images: box, score and five landmarks per face."
    static let options: [OptionSpec] = [
        .value("min-face", "px", help: "Smallest face to find, in pixels.", default: "20"),
        .value("annotate", "dir", help: "Write a copy of each image with boxes and landmarks drawn into this folder."),
        CommonOptions.json,
        CommonOptions.threads,
    ]
    static let positionals = [CommonOptions.images]
    static let isBuilt = false
}
