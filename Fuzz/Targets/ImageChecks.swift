import ImageIO

/// Shared by the JPEG and PNG targets: decode with and without EXIF orientation and check the
/// invariants the rest of the library relies on.
func checkDecode(_ bytes: UnsafeRawBufferPointer, _ decoder: ImageDecoder, _ unoriented: ImageDecoder) {
    guard let image = try? decoder.decode(bytes, name: "fuzz") else { return }
    precondition(image.width > 0 && image.height > 0 && image.width * image.height <= decoder.maxPixels)
    precondition(image.pixels.count == image.width * image.height * 3)
    guard let plain = try? unoriented.decode(bytes, name: "fuzz") else {
        preconditionFailure("decodes with EXIF orientation but not without")
    }
    precondition(plain.width * plain.height == image.width * image.height)
}
