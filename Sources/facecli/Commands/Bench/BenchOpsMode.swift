/// `facecli bench --ops`: per-op GFLOP/s, naive and fast kernels, at MobileNet layer shapes.
enum BenchOpsMode: BenchMode {
    static let selector = OptionSpec.flag("ops", help: "Benchmark tensor ops at MobileNet layer shapes (128×128 input).")
    static let isBuilt = false
}
