/// `facecli bench --detect IMAGE`: MTCNN detection time on one image.
enum BenchDetectMode: BenchMode {
    static let selector = OptionSpec.value("detect", "image", help: "Benchmark face detection on this image.")
    static let isBuilt = false

    static func run(_ arguments: ParsedArguments) throws -> ExitCode {
        throw CLIError.notBuilt(command: "bench --detect")
    }
}
