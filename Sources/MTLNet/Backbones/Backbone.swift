import Foundation
import ImageIO
import Layers
import Support
import Tensor

/// An ImageNet feature extractor: MobileNet, MobileNetV2 or InceptionV3 without its classifier,
/// ending in global average pooling, as Keras defines them (`include_top=False, pooling="avg"`).
///
/// The weights carry their conventions (padding, input normalisation), so callers hand in plain
/// 8-bit RGB images or raw pixel batches in 0…255 and never normalise themselves:
///
///     let backbone = try Backbone(contentsOf: "Weights/mobilenet.fcw")
///     let features = try backbone.features(of: faces)      // [N, featureCount]
///
/// Fine-tuning: `graph.layers` lists every convolution with its folded weights (HWIO) and bias, and
/// `featureMaps(ofPixels:at:)` returns any intermediate map by name (e.g. MobileNet's `conv_pw_12`,
/// MobileNetV2's `block_15_add`, InceptionV3's `mixed9`), so a trainer can freeze everything up to a
/// block, cache that block's output, and train copies of the layers after it
/// (`Backbone.layers(after:)`).
///
/// Thread safety: `features`, `featureMaps` and `logits` may be called from any thread; calls on
/// one instance run one at a time (a lock), because they share the normalised-input buffer and
/// the engine's plans (an arena and im2col scratch per input shape, allocated once and reused —
/// per-call arenas would allocate megabytes per frame). One call already uses the thread pool;
/// for more parallel throughput use one backbone per thread. Do not change `inputSize` or use
/// `graph` directly while other threads use the backbone. (`NSLock`, not `Synchronization.Mutex`,
/// which ThreadSanitizer on Linux does not understand.)
public final class Backbone {
    /// `mobilenet`, `mobilenetv2` or `inceptionv3`.
    public var name: String { configuration.architecture.rawValue }
    public let configuration: BackboneConfiguration
    /// Side of the square input the images are resized to (default 128, the face crop size).
    public var inputSize: Int {
        didSet { precondition(inputSize >= minimumInputSize, "Backbone: input \(inputSize) below the minimum \(minimumInputSize)") }
    }
    public var minimumInputSize: Int { configuration.architecture.minimumInputSize }
    /// Length of a feature vector (1024·α, 1280, 2048).
    public var featureCount: Int { graph.channels(of: graph.output) }
    public let graph: InferenceGraph
    /// The ImageNet classifier when the weight file has one: `[featureCount, classes]` and `[classes]`.
    public let classifier: (weights: Tensor, bias: Tensor)?
    /// Where the parameters came from: a file path, or "random (seed N)".
    public let source: String
    public var isRandom: Bool { source.hasPrefix("random") }
    /// The weight file's metadata (empty for random parameters).
    public let metadata: [String: Any]
    /// SHA-256 (hex) of the whole weight file; `random-seed-N` for random parameters.
    public let weightsSHA256: String

    /// Images per forward pass when a batch is larger.
    public static let chunkSize = 8

    // Reused between calls: the normalised input batch.
    private var inputBuffer: [Float] = []
    private let lock = NSLock()

    init(configuration: BackboneConfiguration, graph: InferenceGraph, classifier: (Tensor, Tensor)?, source: String,
         metadata: [String: Any], weightsSHA256: String, inputSize: Int) {
        self.configuration = configuration; self.graph = graph; self.classifier = classifier
        self.source = source; self.metadata = metadata; self.weightsSHA256 = weightsSHA256; self.inputSize = inputSize
    }

    static func buildGraph(_ configuration: BackboneConfiguration, source: ConvParameterSource) throws -> InferenceGraph {
        var b = GraphBuilder(source: source)
        let last: Int
        switch configuration.architecture {
        case .mobilenet: last = MobileNetV1.build(&b, configuration: configuration)
        case .mobilenetv2: last = MobileNetV2.build(&b, configuration: configuration)
        case .inceptionv3: last = InceptionV3.build(&b, configuration: configuration)
        }
        let output = b.globalAveragePool(last)
        return try b.finish(output: output)
    }

    /// Loads a converted weight file (`tools/convert_*.py`). Errors name the file and the problem.
    public convenience init(contentsOf path: String, inputSize: Int = 128) throws {
        let file = try WeightFile(path: path)
        let configuration: BackboneConfiguration
        let graph: InferenceGraph
        do {
            configuration = try BackboneConfiguration(metadata: file.metadata)
            graph = try Backbone.buildGraph(configuration, source: WeightFileParameters(file: file))
        } catch let e as EngineError {
            throw FileError(.badData, path: path, e.description)
        }
        var classifier: (Tensor, Tensor)?
        if file.entries["classifier.weight"] != nil {
            let w = try file.tensor("classifier.weight")
            guard w.rank == 2, w.shape[0] == graph.channels(of: graph.output) else {
                throw FileError(.badData, path: path, "classifier.weight has shape \(w.shape), expected [\(graph.channels(of: graph.output)), classes]")
            }
            classifier = (w, try file.tensor("classifier.bias", shape: [w.shape[1]]))
        }
        let digest = try MappedFile.sha256(path: path)
        self.init(configuration: configuration, graph: graph, classifier: classifier, source: path,
                  metadata: file.metadata, weightsSHA256: digest, inputSize: max(inputSize, configuration.architecture.minimumInputSize))
    }

    /// Random parameters drawn from `seed` (see `SeededParameters`); for benchmarks and tests.
    public static func random(_ configuration: BackboneConfiguration, seed: UInt64 = 1, inputSize: Int = 128) throws -> Backbone {
        let source = SeededParameters(seed: seed, epsilon: configuration.batchNormEpsilon,
                                      batchNormScale: configuration.architecture != .inceptionv3)
        let graph = try buildGraph(configuration, source: source)
        return Backbone(configuration: configuration, graph: graph, classifier: nil, source: "random (seed \(seed))",
                        metadata: [:], weightsSHA256: "random-seed-\(seed)", inputSize: max(inputSize, configuration.architecture.minimumInputSize))
    }

    /// Multiply-accumulates of one image at `inputSize`.
    public var macsPerImage: Int { (try? graph.macs(height: inputSize, width: inputSize)) ?? 0 }

    // MARK: - Features

    /// Features of images, each resized (bilinear) to `inputSize × inputSize` if needed: `[N, featureCount]`.
    public func features(of images: [RGBImage]) throws -> Tensor {
        if images.isEmpty { return Tensor(zeros: [0, featureCount]) }
        return try features(ofPixels: pixelBatch(images))
    }

    /// Features of a batch `[N, H, W, 3]` of raw RGB values in 0…255 (any H, W ≥ the minimum; not
    /// resized): `[N, featureCount]`.
    public func features(ofPixels pixels: Tensor) throws -> Tensor {
        try featureMaps(ofPixels: pixels, at: [])[0]
    }

    /// The output and the intermediate maps `names` (values of `graph.valueNames`) for a pixel batch
    /// `[N, H, W, 3]` in 0…255. Returns `[features [N, featureCount]] + maps [N, h, w, c]`.
    public func featureMaps(ofPixels pixels: Tensor, at names: [String]) throws -> [Tensor] {
        lock.lock()
        defer { lock.unlock() }
        return try unsynchronisedFeatureMaps(ofPixels: pixels, at: names)
    }

    private func unsynchronisedFeatureMaps(ofPixels pixels: Tensor, at names: [String]) throws -> [Tensor] {
        guard pixels.rank == 4, pixels.shape[3] == 3 else {
            throw EngineError.badInput("Backbone \(name): expected pixels [N, H, W, 3], got \(pixels.shape)")
        }
        let (n, h, w) = (pixels.shape[0], pixels.shape[1], pixels.shape[2])
        guard n > 0, h >= minimumInputSize, w >= minimumInputSize else {
            throw EngineError.badInput("Backbone \(name): input \(h)×\(w) is below the minimum \(minimumInputSize)×\(minimumInputSize)")
        }
        if inputBuffer.count != pixels.count { inputBuffer = [Float](repeating: 0, count: pixels.count) }
        let scale = configuration.inputScale, bias = configuration.inputBias
        pixels.scalars.withUnsafeBufferPointer { src in
            inputBuffer.withUnsafeMutableBufferPointer { dst in
                for p in 0..<(pixels.count / 3) {
                    for c in 0..<3 { dst[3 * p + c] = src[3 * p + c] * scale[c] + bias[c] }
                }
            }
        }
        var taps = [(value: Int, shape: [Int], buffer: UnsafeMutablePointer<Float>)]()
        defer { for t in taps { t.buffer.deallocate() } }
        for tapName in names {
            guard let v = graph.value(named: tapName) else {
                throw EngineError.badInput("Backbone \(name): no layer named '\(tapName)'")
            }
            let s = try graph.spatialSize(of: v, height: h, width: w)
            let shape = [n, s.height, s.width, graph.channels(of: v)]
            taps.append((v, shape, .allocate(capacity: shape.reduce(1, *))))
        }
        var out = Tensor(zeros: [n, featureCount])
        // Large batches go through in chunks: the maps of a few images stay in cache while each
        // layer's weights are still shared between them (measured: 4–8 images per chunk is fastest).
        let chunk = Backbone.chunkSize
        try inputBuffer.withUnsafeBufferPointer { x in
            try out.scalars.withUnsafeMutableBufferPointer { o in
                var first = 0
                while first < n {
                    let count = min(chunk, n - first)
                    let tapPointers = Dictionary(taps.map { t in
                        (t.value, t.buffer + first * (t.shape.reduce(1, *) / n))
                    }, uniquingKeysWith: { a, _ in a })
                    try graph.forward(input: x.baseAddress! + first * h * w * 3, batch: count, height: h, width: w,
                                      output: o.baseAddress! + first * featureCount, taps: tapPointers)
                    first += count
                }
            }
        }
        return [out] + taps.map { t in
            Tensor(shape: t.shape, scalars: Array(UnsafeBufferPointer(start: t.buffer, count: t.shape.reduce(1, *))))
        }
    }

    /// ImageNet logits `[N, classes]` (needs a weight file with a classifier).
    public func logits(ofPixels pixels: Tensor) throws -> Tensor {
        guard let classifier else { throw EngineError.badInput("Backbone \(name) (\(source)) has no classifier") }
        return try features(ofPixels: pixels).dense(weights: classifier.weights, bias: classifier.bias)
    }

    /// Images as a pixel batch `[N, inputSize, inputSize, 3]` (bilinear resize where the size differs).
    public func pixelBatch(_ images: [RGBImage]) -> Tensor {
        let s = inputSize
        var batch = Tensor(zeros: [images.count, s, s, 3])
        batch.scalars.withUnsafeMutableBufferPointer { dst in
            for (k, image) in images.enumerated() {
                let out = dst.baseAddress! + k * s * s * 3
                if image.width == s && image.height == s {
                    for i in 0..<(s * s * 3) { out[i] = Float(image.pixels[i]) }
                } else {
                    let src = image.pixels.map(Float.init)
                    src.withUnsafeBufferPointer { p in
                        Naive.resizeBilinear(input: p.baseAddress!, batch: 1, height: image.height, width: image.width,
                                             channels: 3, output: out, outHeight: s, outWidth: s)
                    }
                }
            }
        }
        return batch
    }

    /// Convolutions after the map `name` (in build order): what a trainer re-creates to fine-tune the
    /// last blocks while `featureMaps(ofPixels:at: [name])` supplies their (frozen) input.
    public func layers(after name: String) -> [ConvLayer] {
        guard let v = graph.value(named: name) else { return [] }
        // Values are numbered in build order, and every layer's output value follows its input.
        return graph.layers.filter { (graph.value(named: $0.name) ?? 0) > v }
    }
}
