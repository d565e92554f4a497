import Foundation
import Support

/// Decodes JPEG and PNG files into `RGBImage`, safely: every failure is a thrown `ImageError` or
/// `FileError` naming the file, never an abort, and a header that announces more than `maxPixels`
/// pixels is refused before any pixel buffer is allocated (decompression bombs).
///
/// Conversions: JPEG greyscale and CMYK become RGB and the EXIF orientation is applied; PNG grey,
/// palette, 16-bit and alpha become 8-bit RGB, alpha composited over `alphaBackground` (black by
/// default). A value type with no shared state: use one per thread or share it freely.
public struct ImageDecoder: Sendable {
    /// Default limit: 100 megapixels (≈ 300 MB of RGB), far above any camera photo.
    public static let defaultMaxPixels = 100_000_000

    /// Largest `width × height` accepted; checked from the header before decoding.
    public var maxPixels: Int
    /// Colour that transparent PNG pixels are composited over.
    public var alphaBackground: RGBColor
    /// Apply the EXIF orientation of JPEG files (cameras store portrait photos rotated).
    public var appliesEXIFOrientation: Bool

    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels, alphaBackground: RGBColor = .black,
                appliesEXIFOrientation: Bool = true) {
        precondition(maxPixels > 0, "ImageDecoder: maxPixels must be positive, got \(maxPixels)")
        self.maxPixels = maxPixels
        self.alphaBackground = alphaBackground
        self.appliesEXIFOrientation = appliesEXIFOrientation
    }

    /// Reads and decodes the file at `path`.
    public func decode(path: String) throws -> RGBImage {
        let file = try MappedFile(path: path)
        return try decode(file.bytes, name: path)
    }

    /// Decodes an in-memory file; `name` labels errors.
    public func decode(_ bytes: [UInt8], name: String) throws -> RGBImage {
        try bytes.withUnsafeBytes { try decode($0, name: name) }
    }

    public func decode(_ data: Data, name: String) throws -> RGBImage {
        try data.withUnsafeBytes { try decode($0, name: name) }
    }

    public func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
        switch try format(of: bytes, name: name) {
        case .jpeg: return try JPEGCodec.decode(bytes, name: name, options: self)
        case .png: return try PNGCodec.decode(bytes, name: name, options: self)
        }
    }

    /// Format and size (after EXIF orientation) from the header alone, without decoding pixels.
    public func info(path: String) throws -> (format: ImageFormat, width: Int, height: Int) {
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        let format = try format(of: bytes, name: path)
        let size = format == .jpeg ? try JPEGCodec.header(bytes, name: path, options: self)
                                   : try PNGCodec.header(bytes, name: path)
        return (format, size.width, size.height)
    }

    func format(of bytes: UnsafeRawBufferPointer, name: String) throws -> ImageFormat {
        guard !bytes.isEmpty else { throw ImageError(.empty, path: name, "empty file (0 bytes)") }
        guard let format = ImageFormat.detect(bytes) else {
            let what = bytes.count < 8 ? "too short to be an image (\(bytes.count) bytes)" : "not a JPEG or PNG image (unrecognised signature)"
            throw ImageError(.notAnImage, path: name, what)
        }
        return format
    }

    /// Throws `.tooLarge` unless `width × height` is within `maxPixels`; call before allocating.
    func checkSize(width: Int, height: Int, name: String) throws {
        guard width > 0, height > 0 else {
            throw ImageError(.corrupt, path: name, "header gives an empty size \(width)×\(height)")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw ImageError(.tooLarge, path: name,
                             "image is \(width)×\(height) pixels, more than the limit of \(maxPixels) pixels")
        }
    }
}

extension RGBImage {
    /// Decodes a JPEG or PNG file with the default `ImageDecoder`.
    public init(contentsOf path: String) throws {
        self = try ImageDecoder().decode(path: path)
    }
}
