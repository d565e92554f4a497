import Foundation
import XCTest
import MTLNet
import Tensor

/// The backbones with reproducible random parameters against Keras and torchvision
/// (goldens from `tools/gen_backbone_goldens.py`: seeds, layer list and reference features).
final class BackboneGoldenTests: XCTestCase {
    struct Golden: Decodable {
        let configuration: String
        let architecture: String
        let alpha: Float
        let seed: UInt64
        let input_seed: UInt64
        let batch: Int
        let size: Int
        let layers: [[LayerField]]
        let features: [[Float]]
        let reference: String
    }

    enum LayerField: Decodable, Equatable {
        case text(String), number(Int)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .number(i) } else { self = .text(try c.decode(String.self)) }
        }
    }

    static func golden(_ name: String) throws -> Golden {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Goldens/backbone_\(name).json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    static func configuration(_ g: Golden) -> BackboneConfiguration {
        let arch = BackboneArchitecture(rawValue: g.architecture)!
        return g.configuration == "torchvision" ? .torchvisionMobileNetV2(alpha: g.alpha) : .keras(arch, alpha: g.alpha)
    }

    /// The pixels the generator drew: `SeededRandom(input_seed)`, `nextFloat(in: 0...255)` each.
    static func pixels(_ g: Golden) -> Tensor { seededPixels(seed: g.input_seed, batch: g.batch, size: g.size) }

    static func seededPixels(seed: UInt64, batch: Int, size: Int) -> Tensor {
        var rng = SeededRandom(seed: seed)
        let count = batch * size * size * 3
        return Tensor(shape: [batch, size, size, 3], scalars: (0..<count).map { _ in rng.nextFloat(in: 0...255) })
    }

    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try Self.golden(name)
        let backbone = try Backbone.random(Self.configuration(g), seed: g.seed)
        // Same layers, in the same order, as the reference framework built.
        let ours: [[LayerField]] = backbone.graph.layers.map {
            [.text($0.kind == .conv ? "conv" : "depthwise"), .number($0.kernelHeight), .number($0.kernelWidth),
             .number($0.inChannels), .number($0.outChannels), .number($0.strideHeight)]
        }
        XCTAssertEqual(ours.count, g.layers.count, "\(name): layer count", file: file, line: line)
        for (i, (a, b)) in zip(ours, g.layers).enumerated() where a != b {
            XCTFail("\(name): layer \(i) \(backbone.graph.layers[i].name) is \(a), reference \(b)", file: file, line: line)
            break
        }
        // 1 thread, 2 (this machine, the Pi's lower half) and 3 (uneven task counts): the engine cuts
        // every layer differently for each.
        let saved = ThreadPool.shared.threadCount
        defer { ThreadPool.shared.threadCount = saved }
        for threads in [1, 2, 3] {
            ThreadPool.shared.threadCount = threads
            let features = try backbone.features(ofPixels: Self.pixels(g))
            XCTAssertEqual(features.shape, [g.batch, g.features[0].count], file: file, line: line)
            let expected = g.features.flatMap { $0 }
            let scale = expected.map(abs).max()!
            var worst: Float = 0
            for (a, b) in zip(features.scalars, expected) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThanOrEqual(worst / scale, 1e-4, "\(name) vs \(g.reference), \(threads) threads: max error \(worst) (scale \(scale))",
                                     file: file, line: line)
        }
    }

    func testMobileNetAlpha075Odd97() throws { try check("mobilenet_keras_a075_97") }
    func testMobileNetAlpha1At128() throws { try check("mobilenet_keras_a100_128") }
    func testMobileNetV2Alpha05Odd97() throws { try check("mobilenetv2_keras_a050_97") }
    func testMobileNetV2Alpha1At128() throws { try check("mobilenetv2_keras_a100_128") }
    func testMobileNetV2TorchvisionPadding() throws { try check("mobilenetv2_torch_a100_97") }
    func testInceptionV3At107() throws { try check("inceptionv3_keras_107") }
}

/// The padding convention is part of the weights: at odd sizes the wrong one must not pass.
final class BackbonePaddingConventionTests: XCTestCase {
    func testWrongPaddingConventionIsDetected() throws {
        for (name, wrong) in [("mobilenet_keras_a075_97", PaddingConvention.tfSame),
                              ("mobilenetv2_keras_a100_128", PaddingConvention.torch)] {
            let g = try BackboneGoldenTests.golden(name)
            var configuration = BackboneGoldenTests.configuration(g)
            configuration.padding = wrong
            let features = try Backbone.random(configuration, seed: g.seed).features(ofPixels: BackboneGoldenTests.pixels(g))
            let expected = g.features.flatMap { $0 }
            let worst = zip(features.scalars, expected).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(worst / expected.map(abs).max()!, 1e-2, "\(name) with \(wrong) padding")
        }
    }
}
