import ImageIO

/// PNG decoding (libpng simplified API + the chunk walk that tells truncated from corrupt): any
/// bytes decode to an image or throw an `ImageError`. Same limit and invariants as the JPEG target.
private let decoder = ImageDecoder(maxPixels: 1 << 22)
private let unoriented = ImageDecoder(maxPixels: 1 << 22, appliesEXIFOrientation: false)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkDecode(UnsafeRawBufferPointer(start: data, count: size), decoder, unoriented)
    return 0
}
