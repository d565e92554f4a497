/// `facecli predict IMAGE...`: detects, aligns and classifies every face in each image.
enum PredictCommand: Command {
    static let name = "predict"
    static let summary = "Find the faces in images and tell who each is, the age group and the ethnicity."
    static let options: [OptionSpec] = [
        CommonOptions.model,
        CommonOptions.json,
        CommonOptions.threads,
    ]
    static let positionals = [CommonOptions.images]
    static let isBuilt = false
}
