/// The three ImageNet backbones of the paper.
public enum BackboneArchitecture: String, Sendable, CaseIterable {
    case mobilenet, mobilenetv2, inceptionv3

    /// Smallest input side the architecture accepts (Keras's `min_size`).
    public var minimumInputSize: Int { self == .inceptionv3 ? 75 : 32 }
}

/// How strided 3×3 windows are padded. It belongs to the weights (they were trained with it), so it
/// travels in the weight file, and any input size gives the same result as the source framework.
public enum PaddingConvention: String, Sendable {
    /// Exactly Keras's definitions: MobileNet pads stride-2 depthwise convolutions bottom/right by one
    /// (`ZeroPadding2D(((0,1),(0,1)))`), MobileNetV2 uses `correct_pad` (equal to TF `same`),
    /// other convolutions are `same` or `valid` as Keras declares them.
    case keras
    /// TensorFlow `SAME` everywhere a Keras layer pads (TF-slim MobileNet v1, the frozen graph).
    case tfSame = "tf_same"
    /// PyTorch/torchvision: symmetric padding `k/2` (MobileNetV2 weights from torchvision).
    case torch
}

/// Everything that, with the parameters, defines a backbone: architecture, width, conventions of the
/// weights. `normalize(pixel) = pixel · inputScale[c] + inputBias[c]` for 8-bit RGB pixels in 0…255.
public struct BackboneConfiguration: Sendable, Equatable {
    public var architecture: BackboneArchitecture
    /// Width multiplier (MobileNets); 1 for InceptionV3.
    public var alpha: Float
    public var padding: PaddingConvention
    /// Batch-norm epsilon of the source (used when folding random or unfolded parameters).
    public var batchNormEpsilon: Float
    /// InceptionV3 only: the pooling branch of the last block. Keras averages; the TF 2015 graph
    /// (the FID network) takes the maximum.
    public var lastBlockMaxPool: Bool
    public var inputScale: [Float]
    public var inputBias: [Float]

    public init(architecture: BackboneArchitecture, alpha: Float = 1, padding: PaddingConvention = .keras,
                batchNormEpsilon: Float = 1e-3, lastBlockMaxPool: Bool = false,
                inputScale: [Float] = [1 / 127.5, 1 / 127.5, 1 / 127.5], inputBias: [Float] = [-1, -1, -1]) {
        self.architecture = architecture; self.alpha = alpha; self.padding = padding
        self.batchNormEpsilon = batchNormEpsilon; self.lastBlockMaxPool = lastBlockMaxPool
        self.inputScale = inputScale; self.inputBias = inputBias
    }

    /// Keras's definition with Keras's `preprocess_input` (pixels to [−1, 1]).
    public static func keras(_ architecture: BackboneArchitecture, alpha: Float = 1) -> BackboneConfiguration {
        BackboneConfiguration(architecture: architecture, alpha: alpha)
    }

    /// torchvision's MobileNetV2: symmetric padding, eps 1e-5, ImageNet mean/std normalisation.
    public static func torchvisionMobileNetV2(alpha: Float = 1) -> BackboneConfiguration {
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        return BackboneConfiguration(architecture: .mobilenetv2, alpha: alpha, padding: .torch, batchNormEpsilon: 1e-5,
                                     inputScale: (0..<3).map { 1 / (255 * std[$0]) },
                                     inputBias: (0..<3).map { -mean[$0] / std[$0] })
    }

    /// The TF inception-2015-12-05 network (as used for FID): Keras's InceptionV3 with a max-pool
    /// branch in the last block.
    public static var inception2015: BackboneConfiguration {
        BackboneConfiguration(architecture: .inceptionv3, lastBlockMaxPool: true)
    }

    /// The configuration as weight-file metadata.
    public var metadata: [String: Any] {
        ["architecture": architecture.rawValue, "alpha": Double(alpha), "padding": padding.rawValue,
         "bn_epsilon": Double(batchNormEpsilon), "last_block_max_pool": lastBlockMaxPool,
         "input_scale": inputScale.map(Double.init), "input_bias": inputBias.map(Double.init)]
    }

    /// Reads the configuration from weight-file metadata; nil names the missing or bad key.
    public init(metadata m: [String: Any]) throws {
        func bad(_ key: String) -> EngineError { .badParameters("metadata key '\(key)' is missing or malformed") }
        guard let a = (m["architecture"] as? String).flatMap(BackboneArchitecture.init(rawValue:)) else { throw bad("architecture") }
        guard let alpha = m["alpha"] as? Double else { throw bad("alpha") }
        guard let p = (m["padding"] as? String).flatMap(PaddingConvention.init(rawValue:)) else { throw bad("padding") }
        guard let scale = m["input_scale"] as? [Double], scale.count == 3 else { throw bad("input_scale") }
        guard let bias = m["input_bias"] as? [Double], bias.count == 3 else { throw bad("input_bias") }
        self.init(architecture: a, alpha: Float(alpha), padding: p,
                  batchNormEpsilon: Float(m["bn_epsilon"] as? Double ?? 1e-3),
                  lastBlockMaxPool: m["last_block_max_pool"] as? Bool ?? false,
                  inputScale: scale.map(Float.init), inputBias: bias.map(Float.init))
    }
}
