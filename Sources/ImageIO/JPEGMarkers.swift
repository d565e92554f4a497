/// A bounds-checked walk over the marker segments of a JPEG before its first scan: finds the EXIF
/// orientation and tells a file cut short from a damaged one. Nothing here trusts a length field.
struct JPEGMarkers {
    /// EXIF orientation 1…8 from the first APP1 Exif segment; 1 when absent or invalid.
    var orientation = 1
    /// A frame header (SOFn) was found.
    var sawFrame = false
    /// The data ended inside or between the segments before a scan started.
    var ranOut = false

    init(_ bytes: UnsafeRawBufferPointer) {
        var offset = 2                                    // after SOI
        var sawExif = false
        while true {
            // Markers may be preceded by any number of FF fill bytes.
            while offset < bytes.count, bytes[offset] == 0xFF, offset + 1 < bytes.count, bytes[offset + 1] == 0xFF { offset += 1 }
            guard offset + 1 < bytes.count else { ranOut = true; return }
            guard bytes[offset] == 0xFF else { return }   // not a marker: damaged, the decoder will say how
            let marker = bytes[offset + 1]
            guard marker != 0x00 else { return }          // FF 00 is a stuffed byte, not a marker
            offset += 2
            if marker == 0xD9 { return }                  // EOI
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { continue } // no length
            guard offset + 1 < bytes.count else { ranOut = true; return }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length >= 2 else { return }
            let end = offset + length
            guard end <= bytes.count else { ranOut = true; return }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) { sawFrame = true }
            if marker == 0xE1, !sawExif, let value = EXIF.orientation(in: UnsafeRawBufferPointer(rebasing: bytes[(offset + 2)..<end])) {
                sawExif = true
                orientation = value
            }
            if marker == 0xDA { return }                  // SOS: entropy-coded data follows
            offset = end
        }
    }
}

/// Reads the Orientation tag (0x0112) from IFD0 of an APP1 Exif payload.
enum EXIF {
    /// `payload` starts with `Exif\0\0`; returns 1…8, or nil when the tag is absent or malformed.
    static func orientation(in payload: UnsafeRawBufferPointer) -> Int? {
        let header: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
        guard payload.count >= 6 + 8, payload.starts(with: header) else { return nil }
        let tiff = UnsafeRawBufferPointer(rebasing: payload[6...])
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): bigEndian = false              // "II"
        case (0x4D, 0x4D): bigEndian = true               // "MM"
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let a = Int(tiff[at]), b = Int(tiff[at + 1])
            return bigEndian ? a << 8 | b : b << 8 | a
        }
        func u32(_ at: Int) -> Int? {
            guard let hi = u16(bigEndian ? at : at + 2), let lo = u16(bigEndian ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at), let type = u16(at + 2), let n = u32(at + 4) else { return nil }
            guard tag == 0x0112 else { continue }
            // SHORT (3), one value, stored in the first two bytes of the value field.
            guard type == 3, n == 1, let value = u16(at + 8), (1...8).contains(value) else { return nil }
            return value
        }
        return nil
    }
}
