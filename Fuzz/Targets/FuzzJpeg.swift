import ImageIO

/// JPEG decoding (TurboJPEG + the marker/EXIF walk): any bytes decode to an image of the size the
/// header announced, or throw an `ImageError`; never an abort, a trap or a memory error.
/// The pixel limit is lowered to 4 megapixels so that a header claiming a huge image is refused
/// cheaply (the default 100 MP would let every such input allocate hundreds of megabytes).
private let decoder = ImageDecoder(maxPixels: 1 << 22)
private let unoriented = ImageDecoder(maxPixels: 1 << 22, appliesEXIFOrientation: false)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkDecode(UnsafeRawBufferPointer(start: data, count: size), decoder, unoriented)
    return 0
}
