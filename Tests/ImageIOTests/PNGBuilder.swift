/// Builds PNG files byte by byte, independently of libpng, so that the decoder is tested against
/// files it did not write: any colour type and bit depth, optional PLTE/tRNS/gAMA, and
/// uncompressed ("stored") deflate blocks so that no zlib is needed.
struct PNGBuilder {
    var width: Int
    var height: Int
    /// 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.
    var colorType: UInt8
    var bitDepth: UInt8 = 8
    var palette: [UInt8]? = nil        // RGB triples
    var transparency: [UInt8]? = nil   // tRNS payload
    var gamma: UInt32? = nil           // gAMA × 100000
    /// Unfiltered scanlines without the filter byte, `height` rows of packed samples.
    var rows: [[UInt8]]
    /// Replaces the IDAT payload (to make broken compressed data).
    var idat: [UInt8]? = nil

    func bytes() -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [bitDepth, colorType, 0, 0, 0]
        out += chunk("IHDR", ihdr)
        if let gamma { out += chunk("gAMA", be32(gamma)) }
        if let palette { out += chunk("PLTE", palette) }
        if let transparency { out += chunk("tRNS", transparency) }
        var raw: [UInt8] = []
        for row in rows { raw.append(0); raw += row }   // filter type 0 (None) on every row
        out += chunk("IDAT", idat ?? zlibStored(raw))
        out += chunk("IEND", [])
        return out
    }

    /// IHDR claiming `width × height` followed by a tiny IDAT: a decompression bomb's header.
    static func headerOnly(width: UInt32, height: UInt32) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
        out += chunk("IDAT", zlibStored([0, 0, 0, 0]))
        out += chunk("IEND", [])
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(UInt32(data.count)) + typeBytes + data + be32(crc32(typeBytes + data))
    }

    /// zlib stream of stored deflate blocks (at most 65535 bytes each) with its Adler-32.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    func be32(_ v: UInt32) -> [UInt8] { Self.be32(v) }
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] { Self.chunk(type, data) }
    func zlibStored(_ data: [UInt8]) -> [UInt8] { Self.zlibStored(data) }
}
