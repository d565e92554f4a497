import Foundation
import Support

/// Encodes `RGBImage` as PNG (lossless) or JPEG, in memory or to a file written atomically
/// (a reader never sees a half-written image, an interrupted run never damages an existing one).
public enum ImageEncoder {
    public static func png(_ image: RGBImage) throws -> [UInt8] {
        try PNGCodec.encode(image, name: "<png>")
    }

    /// `quality` 1…100.
    public static func jpeg(_ image: RGBImage, quality: Int = 92, subsampling: JPEGSubsampling = .s420) throws -> [UInt8] {
        try JPEGCodec.encode(image, quality: quality, subsampling: subsampling, name: "<jpeg>")
    }

    /// Writes `image` to `path` in the format its extension names (`.png`, `.jpg`, `.jpeg`), or `format`.
    public static func write(_ image: RGBImage, to path: String, format: ImageFormat? = nil, jpegQuality: Int = 92) throws {
        guard let format = format ?? ImageFormat.forOutput(path: path) else {
            throw FileError(.cannotCreate, path: path, "cannot tell the image format from the name: use .png, .jpg or .jpeg")
        }
        let bytes: [UInt8]
        switch format {
        case .png: bytes = try PNGCodec.encode(image, name: path)
        case .jpeg: bytes = try JPEGCodec.encode(image, quality: jpegQuality, subsampling: .s420, name: path)
        }
        try AtomicFile.write(to: path) { fd in
            try bytes.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) }
        }
    }
}

extension RGBImage {
    /// Writes the image to `path` (format from the extension) atomically.
    public func write(to path: String, jpegQuality: Int = 92) throws {
        try ImageEncoder.write(self, to: path, jpegQuality: jpegQuality)
    }
}
