/// Why an image could not be decoded or encoded. File-level problems (missing, a directory,
/// unreadable, cannot create) are `Support.FileError`; this is about the content. The description
/// is `path: reason`, ready to print.
public struct ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The file has no bytes.
        case empty
        /// Neither a JPEG nor a PNG signature (the extension is never trusted).
        case notAnImage
        /// The data ends before the image does.
        case truncated
        /// The decoder rejected the content.
        case corrupt
        /// The header announces more pixels than `ImageDecoder.maxPixels` (refused before allocating).
        case tooLarge
        /// A valid file in a variant this decoder does not handle, or an output it cannot produce.
        case unsupported
    }

    public let kind: Kind
    /// The file name, or a caller-chosen label for in-memory data.
    public let path: String
    public let reason: String

    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind; self.path = path; self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
