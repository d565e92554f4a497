import Foundation
import ImageIO
import Support
import Tensor

/// A `Backbone` loaded from a weight file, as the `FeatureExtractor` of training and prediction:
/// it adds the identity of the weights (SHA-256 of the file) that model files record.
public final class BackboneExtractor: FeatureExtractor {
    public let backbone: Backbone
    public let weightsPath: String
    public let weightsSHA256: String

    public init(weightsPath: String, inputSize: Int = 128) throws {
        backbone = try Backbone(contentsOf: weightsPath, inputSize: inputSize)
        self.weightsPath = weightsPath
        weightsSHA256 = try FeaturePipeline.contentHash(weightsPath)
    }

    public var name: String { backbone.name }
    public var inputSize: Int { backbone.inputSize }
    public var featureCount: Int { backbone.featureCount }
    public var normalization: String {
        let c = backbone.configuration
        return "x·\(c.inputScale.map { String(format: "%.6g", $0) }) + \(c.inputBias.map { String(format: "%.6g", $0) }) per RGB channel, x in 0…255"
    }

    public func features(_ images: [RGBImage]) throws -> Tensor { try backbone.features(of: images) }
}
