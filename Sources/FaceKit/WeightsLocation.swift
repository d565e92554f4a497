import Foundation
import MTCNN
import MTLNet
import Support

/// Where the shipped weight files are found: `$FACECLI_WEIGHTS/`, beside the executable, in the
/// repository's `Weights/` (for a SwiftPM build), `./Weights/`, the source tree (see
/// `MTCNNDetector.defaultWeightsPath`).
public enum WeightsLocation {
    /// File name of the default multi-task model shipped in `Weights/`.
    public static let defaultModel = "facecli-model.fcw"

    public static func path(_ name: String) -> String? { MTCNNDetector.defaultWeightsPath(name: name) }

    /// The path of `name`, or an error saying what is missing and how to get it.
    public static func require(_ name: String, what: String, howToGet: String) throws -> String {
        guard let p = path(name) else {
            throw FileError(.missing, path: "Weights/" + name, "\(what) not found (looked in $FACECLI_WEIGHTS, beside the executable, "
                            + "in ./Weights and in the source tree); \(howToGet)")
        }
        return p
    }

    /// Loads the backbone `name` (`mobilenet`, `mobilenetv2`, `inceptionv3`) from `Weights/<name>.fcw`.
    public static func backbone(_ name: String, inputSize: Int = 128) throws -> Backbone {
        let path = try require(name + ".fcw", what: "weights of backbone '\(name)'",
                               howToGet: "convert them with the script in tools/ named after the backbone (see README)")
        return try Backbone(contentsOf: path, inputSize: inputSize)
    }

    /// Backbone `name` at one input size, or run at each of `scales` (ascending) with the features
    /// concatenated.
    public static func extractor(_ name: String, scales: [Int]) throws -> FeatureExtractor {
        precondition(!scales.isEmpty, "WeightsLocation.extractor: at least one scale")
        if scales.count == 1 { return try backbone(name, inputSize: scales[0]) }
        return MultiScaleExtractor(scales: try scales.map { try backbone(name, inputSize: $0) })
    }

    /// The feature extractor a trained model was trained with.
    public static func extractor(for info: ModelInfo) throws -> FeatureExtractor {
        try extractor(info.backbone.name, scales: info.scales ?? [info.inputSize])
    }
}
