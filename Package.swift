// swift-tools-version:6.0
import PackageDescription

// Hot numeric targets are built with unchecked arithmetic and, on x86-64, AVX2/FMA so that
// SIMD8<Float> maps to one register and `addingProduct` to one FMA (see TOOLCHAIN.md).
// On arm64 (Raspberry Pi 4) NEON and FMA are baseline, so no CPU flag is needed.
#if arch(x86_64)
let cpuFlags: [String] = ["-Xcc", "-march=x86-64-v3"]
#else
let cpuFlags: [String] = []
#endif

let hotSettings: [SwiftSetting] = [
    .unsafeFlags(cpuFlags),
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked", "-cross-module-optimization"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "facecli",
    products: [
        .executable(name: "facecli", targets: ["facecli"]),
        .library(name: "FaceKit", targets: ["FaceKit"]),
    ],
    targets: [
        // Thin system-library targets: one module map per C library.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        // Linux V4L2 camera structures and ioctl requests (`facecli watch /dev/videoN`).
        .systemLibrary(name: "CV4L2", path: "Sources/CV4L2"),

        // Checksums, atomic file writes, memory-mapped reads: shared by every module that touches files.
        .target(name: "Support", swiftSettings: hotSettings),
        // Float32 NHWC tensor core: naive oracle kernels, SIMD/BLAS kernels, thread pool.
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: hotSettings),
        // Image decoding/encoding (TurboJPEG, libpng), drawing, RGB image type.
        .target(name: "ImageIO", dependencies: ["CTurboJPEG", "CPNG", "Support"], swiftSettings: hotSettings),
        // Layers with parameters and gradients, optimisers, losses, weight files.
        .target(name: "Layers", dependencies: ["Tensor", "Support"], swiftSettings: hotSettings),
        // MTCNN face detector and face alignment.
        .target(name: "MTCNN", dependencies: ["Layers", "Tensor", "ImageIO"], swiftSettings: hotSettings),
        // Backbones, multi-task heads, datasets, training and evaluation.
        .target(name: "MTLNet", dependencies: ["Layers", "Tensor", "ImageIO"], swiftSettings: hotSettings),
        // The one place where detection, alignment and classification are composed.
        .target(name: "FaceKit", dependencies: ["MTCNN", "MTLNet", "ImageIO", "CV4L2"], swiftSettings: hotSettings),
        .executableTarget(name: "facecli", dependencies: ["FaceKit"], swiftSettings: hotSettings),

        // Locating ../shared/data for the tests that read the real stand-in data sets.
        .target(name: "TestData", path: "Tests/TestData"),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], exclude: ["Goldens"], swiftSettings: hotSettings),
        .testTarget(name: "ImageIOTests", dependencies: ["TestData", "ImageIO"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers"], swiftSettings: hotSettings),
        .testTarget(name: "MTCNNTests", dependencies: ["TestData", "MTCNN"], exclude: ["Goldens"]),
        .testTarget(name: "MTLNetTests", dependencies: ["TestData", "MTLNet"], exclude: ["Goldens"]),
        .testTarget(name: "FaceKitTests", dependencies: ["TestData", "FaceKit"]),
        .testTarget(name: "CLITests", dependencies: ["TestData", "facecli"]),
        // Fuzz-found regressions and bad-input cases across modules (see docs/hardening.md).
        .testTarget(name: "HardeningTests", dependencies: ["facecli", "MTLNet", "ImageIO", "Layers", "Support"]),
    ],
    swiftLanguageModes: [.v5]
)
