import ImageIO
import Tensor

/// A backbone is the frozen feature extractor of the multi-task model.
extension Backbone: FeatureExtractor {
    /// The input normalisation as recorded in model files, e.g. `x · 0.00784314 + -1 (per channel R, G, B)`.
    public var normalization: String {
        let s = configuration.inputScale, b = configuration.inputBias
        if s.allSatisfy({ $0 == s[0] }) && b.allSatisfy({ $0 == b[0] }) {
            return "x · \(s[0]) + \(b[0]) for x in 0…255"
        }
        return "x · [\(s.map { "\($0)" }.joined(separator: ", "))] + [\(b.map { "\($0)" }.joined(separator: ", "))] per channel R, G, B for x in 0…255"
    }

    /// Features `[images.count, featureCount]`; images of another size are resized to `inputSize`.
    public func features(_ images: [RGBImage]) -> Tensor {
        do {
            return try features(of: images)
        } catch {
            // Unreachable: images are resized to `inputSize`, which is at least the minimum.
            preconditionFailure("Backbone \(name): \(error)")
        }
    }
}
