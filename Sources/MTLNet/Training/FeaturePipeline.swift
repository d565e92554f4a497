import Foundation
import ImageIO
import Support
import Tensor

/// Turns labelled images into backbone features: file → face crop (`prepareFace`, e.g. MTCNN +
/// alignment, or a resize of a given crop) → augmented views → frozen backbone → features.
/// Face crops and features are cached on disk keyed by file content and settings, so a second
/// run with the same data and settings skips all of that work.
public struct FeaturePipeline {
    public let extractor: FeatureExtractor
    public let cache: FeatureCache
    public let augmentation: Augmentation
    /// Identifies `prepareFace` (method and its settings) in cache keys.
    public let preprocessingKey: String
    /// Seed of the augmentation draws.
    public let seed: UInt64
    /// File path → face crop of `extractor.inputSize` square, or nil when no face is found.
    public let prepareFace: (String) throws -> RGBImage?
    /// Images sent to the backbone at once.
    public var batchSize = 16
    /// Cache prepared faces too (worth it when `prepareFace` runs a detector, not for a resize).
    public var cacheFaces = true

    public init(extractor: FeatureExtractor, cache: FeatureCache, augmentation: Augmentation = Augmentation(),
                preprocessingKey: String, seed: UInt64, prepareFace: @escaping (String) throws -> RGBImage?) {
        self.extractor = extractor; self.cache = cache; self.augmentation = augmentation
        self.preprocessingKey = preprocessingKey; self.seed = seed; self.prepareFace = prepareFace
    }

    public struct Output {
        /// Rows sample-major: sample `kept[i]` view `v` is row `i · views + v`.
        public var set: FeatureSet
        /// Indices (into the samples given) that have features, in order.
        public var kept: [Int]
        /// Paths of images in which no face was found (skipped).
        public var skipped: [String]
        /// SHA-256 of every given sample's file.
        public var hashes: [String]
    }

    /// SHA-256 of a file's content.
    public static func contentHash(_ path: String) throws -> String {
        try MappedFile.sha256(path: path)
    }

    /// Features of `views` views of each sample (view 0 = the image, 1 = mirrored, more = random
    /// augmentations). `progress(done, total)` is called after each image.
    public func features(samples: [Sample], tasks: Int, views: Int, progress: (Int, Int) -> Void = { _, _ in }) throws -> Output {
        precondition(views >= 1, "FeaturePipeline: at least one view")
        let f = extractor.featureCount, size = extractor.inputSize
        let base = [extractor.name, extractor.weightsSHA256, extractor.cacheIdentity, preprocessingKey]
        var hashes: [String] = []
        var rows: [[Float]?] = []          // [samples · views], nil until computed
        var pending: [(row: Int, image: RGBImage)] = []
        var skipped: [String] = [], noFace = Set<Int>()
        func flush() throws {
            guard !pending.isEmpty else { return }
            let out = try extractor.features(pending.map(\.image))   // [pending, f]
            precondition(out.shape == [pending.count, f], "FeatureExtractor \(extractor.name) returned \(out.shape), expected \([pending.count, f])")
            for (j, p) in pending.enumerated() {
                let values = Array(out.scalars[(j * f)..<((j + 1) * f)])
                rows[p.row] = values
                cache.store(viewKey(base, hashes[p.row / views], p.row % views), floats: values)
            }
            pending.removeAll(keepingCapacity: true)
        }
        for (i, sample) in samples.enumerated() {
            let hash = try FeaturePipeline.contentHash(sample.path)
            hashes.append(hash)
            var cached: [[Float]?] = (0..<views).map { cache.floats(viewKey(base, hash, $0), count: f) }
            if cached.contains(where: { $0 == nil }) {
                if let face = try face(sample.path, hash: hash) {
                    precondition(face.width == size && face.height == size, "prepareFace must return \(size)×\(size) crops")
                    var rng = SeededRandom(seed: seed ^ UInt64(truncatingIfNeeded: hash.hashValueStable))
                    for v in 0..<views {
                        let image = augmentation.view(v, of: face, using: &rng)   // draws in view order: reproducible
                        if cached[v] == nil { pending.append((i * views + v, image)) }
                    }
                } else {
                    skipped.append(sample.path); noFace.insert(i)
                    cached = Array(repeating: nil, count: views)
                }
            }
            rows += cached
            if pending.count >= batchSize { try flush() }
            progress(i + 1, samples.count)
        }
        try flush()
        let kept = samples.indices.filter { !noFace.contains($0) }
        var scalars = [Float](); scalars.reserveCapacity(kept.count * views * f)
        for i in kept { for v in 0..<views { scalars += rows[i * views + v]! } }
        let labels = (0..<tasks).map { k in kept.flatMap { i in Array(repeating: samples[i].labels[k], count: views) } }
        return Output(set: FeatureSet(features: Tensor(shape: [kept.count * views, f], scalars: scalars), labels: labels),
                      kept: kept, skipped: skipped, hashes: hashes)
    }

    func viewKey(_ base: [String], _ hash: String, _ view: Int) -> String {
        // Views 0 and 1 do not depend on the augmentation settings nor the seed: they are shared across runs.
        FeatureCache.key(base + [hash, "view \(view)"] + (view >= 2 ? [augmentation.key, "seed \(seed)"] : []))
    }

    /// The prepared face of a file, from the cache when possible. A "no face" result is cached too.
    func face(_ path: String, hash: String) throws -> RGBImage? {
        let size = extractor.inputSize
        guard cacheFaces else { return try prepareFace(path) }
        let key = FeatureCache.key(["face", preprocessingKey, "\(size)", hash])
        if let b = cache.bytes(key, count: size * size * 3) { return RGBImage(width: size, height: size, pixels: b) }
        if cache.bytes(key + "-none", count: 0) != nil { return nil }
        guard let face = try prepareFace(path) else { cache.store(key + "-none", bytes: []); return nil }
        cache.store(key, bytes: face.pixels)
        return face
    }
}

extension String {
    /// A hash of the string that is the same in every process (Swift's `hashValue` is seeded per run).
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
