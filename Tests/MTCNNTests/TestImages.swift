import Foundation
import ImageIO
import XCTest

/// Decodes an image of the shared data folder.
func loadSharedImage(_ relative: String) throws -> RGBImage {
    let path = try sharedDataPath() + "/" + relative
    // TEMPORARY (until ImageIO decoders are merged): raw dumps of Pillow's decode.
    let name = URL(fileURLWithPath: relative).deletingPathExtension().lastPathComponent
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: "/tmp/mtcnn_px/\(name).rgb")) else {
        throw XCTSkip("no image decoder yet and no raw dump of \(path)")
    }
    _ = path
    let w = Int(data.withUnsafeBytes { $0.load(fromByteOffset: 0, as: Int32.self) })
    let h = Int(data.withUnsafeBytes { $0.load(fromByteOffset: 4, as: Int32.self) })
    return RGBImage(width: w, height: h, pixels: [UInt8](data[8...]))
}
