import ImageIO
import Tensor

/// One backbone run at several input sizes, its features concatenated (`[N, Σ featureCount]`, the
/// smallest scale first): the head gets both the coarse and the fine view of a face
/// (`facecli train --scales 128,192`). Measured on faces9 (seeds 1–3, docs/training.md): 128+192
/// beats 128 or 192 alone by about a point of person accuracy, but one pass at 224 px, which costs
/// less, does as well, so the default is a single scale.
///
/// Input crops are `inputSize` (the largest scale) square; smaller scales are area-resized from
/// them, so training and prediction see exactly the same pixels at every scale.
public final class MultiScaleExtractor: FeatureExtractor {
    /// One extractor per scale, ascending input size, all of the same weights.
    public let scales: [FeatureExtractor]

    public init(scales: [FeatureExtractor]) {
        precondition(scales.count >= 2, "MultiScaleExtractor: at least two scales")
        let first = scales[0]
        precondition(scales.allSatisfy { $0.name == first.name && $0.weightsSHA256 == first.weightsSHA256 },
                     "MultiScaleExtractor: every scale must be the same backbone with the same weights")
        precondition(zip(scales, scales.dropFirst()).allSatisfy { $0.inputSize < $1.inputSize },
                     "MultiScaleExtractor: scales must be in ascending input size")
        self.scales = scales
    }

    public var name: String { scales[0].name }
    public var weightsSHA256: String { scales[0].weightsSHA256 }
    public var inputSize: Int { scales[scales.count - 1].inputSize }
    public var featureCount: Int { scales.reduce(0) { $0 + $1.featureCount } }
    public var normalization: String { scales[0].normalization }
    public var cacheIdentity: String { scales.map { "\($0.inputSize)" }.joined(separator: "+") }
    public var inputSizes: [Int] { scales.map(\.inputSize) }

    public func features(_ images: [RGBImage]) throws -> Tensor {
        let n = images.count
        var out = [Float](repeating: 0, count: n * featureCount)   // [N, Σ featureCount]
        var offset = 0
        for e in scales {
            let resized = e.inputSize == inputSize ? images : images.map { $0.centerSquare(size: e.inputSize) }
            let f = try e.features(resized)                          // [N, e.featureCount]
            let c = e.featureCount
            for i in 0..<n {
                for j in 0..<c { out[i * featureCount + offset + j] = f.scalars[i * c + j] }
            }
            offset += c
        }
        return Tensor(shape: [n, featureCount], scalars: out)
    }
}
