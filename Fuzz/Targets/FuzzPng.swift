import ImageIO

/// PNG decoding (libpng simplified API + the chunk walk that tells truncated from corrupt): any
/// bytes decode to an image or throw an `ImageError`. Same limit and invariants as the JPEG target.
///
/// libpng rejects a chunk whose CRC does not match, so almost every mutation would stop there.
/// Like the checksum fix-up of the weight-file target, the harness recomputes the CRC of every
/// complete chunk before decoding, except when the input's last byte is odd (so bad CRCs, and
/// the error path for them, stay reachable).
private let decoder = ImageDecoder(maxPixels: 1 << 22)
private let unoriented = ImageDecoder(maxPixels: 1 << 22, appliesEXIFOrientation: false)

private let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

private func fixChunkCRCs(_ bytes: inout [UInt8]) {
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        let end = offset + 8 + length          // end of the chunk data; the CRC follows
        guard length <= bytes.count, end + 4 <= bytes.count else { return }
        var crc: UInt32 = 0xFFFF_FFFF
        for i in (offset + 4)..<end { crc = crcTable[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8) }
        crc ^= 0xFFFF_FFFF
        for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
        offset = end + 4
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let last = bytes.last, last & 1 == 0 { fixChunkCRCs(&bytes) }
    bytes.withUnsafeBytes { checkDecode($0, decoder, unoriented) }
    return 0
}
