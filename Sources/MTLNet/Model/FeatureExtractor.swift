import ImageIO
import Tensor

/// A frozen image → feature-vector network (a backbone without its classifier top).
///
/// Backbones conform to this so that training, evaluation and prediction do not depend on which
/// one is used. Input: aligned RGB face crops of `inputSize × inputSize`; the extractor applies
/// its own normalisation. Output: features `[N, featureCount]`, row `i` for `images[i]`.
public protocol FeatureExtractor: AnyObject {
    /// Short stable name stored in model files, e.g. `mobilenet`.
    var name: String { get }
    /// SHA-256 (lowercase hex) of the weights file the extractor was loaded from: a model whose
    /// head was trained on other weights' features is refused.
    var weightsSHA256: String { get }
    /// Side of the square input, in pixels (128 in the paper).
    var inputSize: Int { get }
    /// Length of one feature vector.
    var featureCount: Int { get }
    /// Human-readable input normalisation, recorded in model files (e.g. `(x - 127.5) / 127.5`).
    var normalization: String { get }
    /// Features of a batch of `inputSize × inputSize` images: `[images.count, featureCount]`.
    func features(_ images: [RGBImage]) throws -> Tensor
    /// What, besides name, weights and `inputSize`, makes this extractor's features differ from
    /// another's (part of feature-cache keys).
    var cacheIdentity: String { get }
}

extension FeatureExtractor {
    public var cacheIdentity: String { "\(inputSize)" }
}
