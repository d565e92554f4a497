import Foundation
import ImageIO
import MTCNN
import MTLNet
import Support
import Tensor

/// The identity space of a person gallery (`PersonGallery.Space.identity`): `FaceEmbedder`
/// descriptors of faces aligned to dlib's 150 × 150 chip.
///
/// Faces reach it two ways: detected in a photo (MTCNN's landmarks → chip), or as an aligned
/// crop (`--aligned` data). A crop aligned as facecli aligns faces (the ArcFace template, as the
/// faces9 crops are) is re-warped from that template, which is more exact than landmarks found
/// again in a tight crop (faces9, verification: equal error rate 4.9 % instead of 6.8 %); a crop
/// aligned otherwise (its landmarks found by MTCNN far from the template) is warped from them.
///
/// Thread safety: as `FaceEmbedder` and `MTCNNDetector` (each serialises its own calls).
public final class IdentityFeatures {
    public static let weightsFile = "face-embedding.fcw"
    public let embedder: FaceEmbedder
    let detector: MTCNNDetector
    public let aligner = FaceAligner(size: FaceEmbedder.chipSize, template: .dlibChip)

    public init(embedder: FaceEmbedder, detector: MTCNNDetector) {
        self.embedder = embedder; self.detector = detector
    }

    /// The shipped embedder (`Weights/face-embedding.fcw`) and MTCNN.
    public convenience init(detector: MTCNNDetector? = nil) throws {
        let path = try WeightsLocation.require(IdentityFeatures.weightsFile, what: "the face-embedding network",
                                               howToGet: "convert it with tools/convert_face_embedding.py (see Weights/README.md)")
        self.init(embedder: try FaceEmbedder(contentsOf: path), detector: try detector ?? MTCNNDetector())
    }

    /// The chip of a face detected in `image`.
    public func chip(_ image: RGBImage, landmarks: FaceLandmarks) -> RGBImage {
        aligner.align(image, landmarks: landmarks)
    }

    /// The chip of an aligned face crop (the whole image is the face).
    public func chip(alignedCrop image: RGBImage) -> RGBImage {
        let side = min(image.width, image.height)
        let offset = SIMD2(Float(image.width - side) / 2, Float(image.height - side) / 2)   // of the centre square
        let arcFace = FaceAligner(size: side).canonicalLandmarks.map { $0 + offset }
        if let face = FaceSources.largest(detector.detect(image)) {
            let found = face.landmarks.points
            let deviation = zip(found, arcFace).map { (($0 - $1) * ($0 - $1)).sum().squareRoot() }.reduce(0, +) / Float(found.count * side)
            if deviation > IdentityFeatures.alignedTolerance { return chip(image, landmarks: face.landmarks) }
        }
        let toChip = SimilarityTransform.estimate(from: arcFace, to: aligner.canonicalLandmarks)
        return FaceAligner.warp(image, inverse: toChip.inverse, size: aligner.size)
    }

    /// Mean distance (share of the crop side) between the landmarks MTCNN finds in a crop and the
    /// ArcFace template within which the crop counts as ArcFace-aligned (faces9: 0.01–0.04).
    public static let alignedTolerance: Float = 0.25

    /// Descriptors `[N, dim]` of chips; with `mirror` each is the mean of the chip's and its mirror
    /// image's (measured on faces9 leave-one-out: about one point more on every figure).
    public func descriptors(_ chips: [RGBImage], mirror: Bool = true) throws -> Tensor {
        guard mirror else { return try embedder.descriptors(of: chips) }
        let both = try embedder.descriptors(of: chips.flatMap { [$0, Augmentation.transform($0, flip: true)] })
        return IdentityFeatures.meanOfPairs(both)
    }

    /// `[2N, d]` → `[N, d]`: the mean of rows 2i and 2i + 1.
    static func meanOfPairs(_ t: Tensor) -> Tensor {
        let d = t.shape[1], n = t.shape[0] / 2
        var out = Tensor(zeros: [n, d])
        for i in 0..<n { for j in 0..<d { out.scalars[i * d + j] = (t.scalars[2 * i * d + j] + t.scalars[(2 * i + 1) * d + j]) / 2 } }
        return out
    }

    /// Image file → chip, for `FeaturePipeline` (descriptors cached like features): the largest
    /// detected face, or with `aligned` the file as an aligned crop.
    public func faceSource(aligned: Bool, decoder: ImageDecoder = ImageDecoder()) -> FaceSource {
        // Every setting that changes a chip is in the key: a changed template must never meet stale descriptors.
        let template = aligner.canonicalLandmarks.map { String(format: "%.3f,%.3f", $0.x, $0.y) }.joined(separator: ";")
        let key = "identity-v2:" + (aligned ? "aligned-arcface-\(IdentityFeatures.alignedTolerance):" : "detected:")
            + FaceSources.detectorKey(detector) + ":chip-\(aligner.size):\(template)"
        return FaceSource(key: key, cacheable: true) { [self] path in
            let image = try decoder.decode(path: path)
            if aligned { return chip(alignedCrop: image) }
            return FaceSources.largest(detector.detect(image)).map { chip(image, landmarks: $0.landmarks) }
        }
    }

    /// Descriptors of dataset images by path (through the feature cache; chip and mirror image
    /// averaged, as `descriptors(_:)`); images without a face are missing from the dictionary.
    public func descriptors(of samples: [Sample], aligned: Bool, cacheDirectory: String?, seed: UInt64 = 1) throws -> [String: [Float]] {
        let faces = faceSource(aligned: aligned)
        var pipeline = FeaturePipeline(extractor: embedder, cache: try FeatureCache(directory: cacheDirectory),
                                       preprocessingKey: faces.key, seed: seed, prepareFace: faces.prepare)
        pipeline.cacheFaces = false   // chips are cheap to remake; descriptors are what is cached
        let out = try pipeline.features(samples: samples, tasks: samples.first?.labels.count ?? 0, views: 2)   // view 1: the mirror image
        let rows = IdentityFeatures.meanOfPairs(out.set.features), d = rows.shape[1]
        var byPath = [String: [Float]]()
        for (row, i) in out.kept.enumerated() { byPath[samples[i].path] = Array(rows.scalars[(row * d)..<((row + 1) * d)]) }
        return byPath
    }

    /// `[samples.count, dim]`: the rows of `byPath` (from `descriptors(of:…)`) in `samples`' order;
    /// a sample without a descriptor is an error naming its file.
    public func rows(_ byPath: [String: [Float]], of samples: [Sample]) throws -> Tensor {
        Tensor(shape: [samples.count, embedder.dimension], scalars: try samples.flatMap { s -> [Float] in
            guard let row = byPath[s.path] else { throw FileError(.badData, path: s.path, "the identity network found no face") }
            return row
        })
    }
}
