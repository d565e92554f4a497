import Foundation
import ImageIO
import MTLNet
import Tensor
import XCTest

/// A stand-in backbone for tests: `size × size` images averaged over 4 × 4 cells → `(size/4)²·3`
/// features in [0, 1]. Enough to learn colour and layout classes.
final class PoolingExtractor: FeatureExtractor {
    let name: String
    let weightsSHA256: String
    let inputSize: Int
    var featureCount: Int { (inputSize / 4) * (inputSize / 4) * 3 }
    let normalization = "x / 255"
    private(set) var imagesSeen = 0

    init(name: String = "pooling", weightsSHA256: String = String(repeating: "ab", count: 32), inputSize: Int = 16) {
        self.name = name; self.weightsSHA256 = weightsSHA256; self.inputSize = inputSize
    }

    func features(_ images: [RGBImage]) -> Tensor {
        imagesSeen += images.count
        let cells = inputSize / 4
        var out = Tensor(zeros: [images.count, featureCount])
        for (n, image) in images.enumerated() {
            for y in 0..<inputSize {
                for x in 0..<inputSize {
                    for c in 0..<3 {
                        out.scalars[n * featureCount + ((y / 4) * cells + x / 4) * 3 + c] += Float(image.pixels[(y * inputSize + x) * 3 + c]) / (255 * 16)
                    }
                }
            }
        }
        return out
    }
}

/// A temporary folder removed at the end of the test.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "mtlnet-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, Data(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, _ data: Data) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Synthetic "faces" stored as raw files: 4 bytes width/height header then RGB bytes. Class `c`
/// of `classes` is a colour cast and a bright quadrant; noise makes every image different.
enum SyntheticFaces {
    static func image(person: Int, size: Int, rng: inout SeededRandom) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let base: [Float] = [Float(person % 2) * 90 + 60, Float((person / 2) % 2) * 90 + 60, 110]
        for y in 0..<size {
            for x in 0..<size {
                let inQuadrant = (y < size / 2) == (person % 2 == 0) && (x < size / 2) == (person / 2 == 0)
                for c in 0..<3 {
                    let v = base[c] + (inQuadrant ? 50 : 0) + rng.nextGaussian() * 25
                    pixels[(y * size + x) * 3 + c] = UInt8(max(0, min(255, v)))
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    static func encode(_ image: RGBImage) -> Data {
        Data([UInt8(image.width), UInt8(image.height)] + image.pixels)
    }

    static func decode(_ path: String) throws -> RGBImage {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return RGBImage(width: Int(bytes[0]), height: Int(bytes[1]), pixels: Array(bytes[2...]))
    }
}
