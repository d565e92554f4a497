/// The encodings this module reads and writes. Input format comes from the magic bytes, never the
/// file name; output format comes from the file name (`.png`, `.jpg`, `.jpeg`).
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format whose signature starts `bytes`, or nil.
    public static func detect<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat? where Bytes.Element == UInt8 {
        // JPEG: SOI (FF D8) followed by the first marker's FF.
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: pngSignature) { return .png }
        return nil
    }

    /// The output format for a file name, by extension (case-insensitive), or nil.
    public static func forOutput(path: String) -> ImageFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        default: return nil
        }
    }
}
