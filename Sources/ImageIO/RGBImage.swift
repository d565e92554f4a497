/// An 8-bit RGB image, rows top to bottom, pixels interleaved `R, G, B` (`[height, width, 3]`).
/// Every decoder produces this (grey, palette, 16-bit and alpha inputs are converted; EXIF
/// orientation is applied), and the detector and the encoders take it.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage: size must be positive, got \(width)×\(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(width)×\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// Floats `[height, width, 3]` as `(pixel - mean) * scale`: e.g. MTCNN's `(x − 127.5) · 0.0078125`.
    public func floats(mean: Float = 0, scale: Float = 1) -> [Float] {
        pixels.map { (Float($0) - mean) * scale }
    }
}
