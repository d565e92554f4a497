import CPNG

/// PNG through libpng's simplified API, which returns 0 on failure with the reason in
/// `image.message` (its classic API reports errors by `longjmp`, unusable from Swift). Every
/// colour type and bit depth is converted by libpng to 8-bit sRGB RGB.
enum PNGCodec {
    static func header(_ bytes: UnsafeRawBufferPointer, name: String) throws -> (width: Int, height: Int) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        try begin(&image, bytes, name: name)
        return (Int(image.width), Int(image.height))
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, options: ImageDecoder) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        try begin(&image, bytes, name: name)
        let (w, h) = (Int(image.width), Int(image.height))
        try options.checkSize(width: w, height: h, name: name)
        image.format = UInt32(PNG_FORMAT_RGB)
        // Without gAMA/sRGB chunks libpng would take 16-bit samples as linear light and brighten
        // them; every common writer stores 16-bit sRGB, as for 8-bit.
        image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var background = png_color(red: options.alphaBackground.r, green: options.alphaBackground.g,
                                   blue: options.alphaBackground.b)
        let ok = pixels.withUnsafeMutableBytes { dst in
            png_image_finish_read(&image, &background, dst.baseAddress, png_int_32(w * 3), nil)
        }
        guard ok != 0 else { throw failure(message(&image), bytes, name: name) }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// Encodes `image` as an 8-bit RGB PNG (lossless).
    static func encode(_ image: RGBImage, name: String) throws -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = UInt32(PNG_FORMAT_RGB)
        defer { png_image_free(&png) }
        let stride = png_int_32(image.width * 3)
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = image.pixels.withUnsafeBytes { src in
            png_image_write_to_memory(&png, nil, &size, 0, src.baseAddress, stride, nil)
        }
        guard measured != 0 else { throw ImageError(.unsupported, path: name, "PNG encoding failed: \(message(&png))") }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = output.withUnsafeMutableBytes { dst in
            image.pixels.withUnsafeBytes { src in
                png_image_write_to_memory(&png, dst.baseAddress, &size, 0, src.baseAddress, stride, nil)
            }
        }
        guard written != 0 else { throw ImageError(.unsupported, path: name, "PNG encoding failed: \(message(&png))") }
        output.removeLast(output.count - Int(size))
        return output
    }

    // MARK: - Helpers

    private static func begin(_ image: inout png_image, _ bytes: UnsafeRawBufferPointer, name: String) throws {
        // libpng allocates a chunk's declared length before reading it: a 77-byte file declaring a
        // 2 GB chunk made it allocate and touch 2 GB (8 s). Refuse such a file before libpng sees it.
        if let (type, length, remaining) = oversizedChunk(bytes) {
            throw ImageError(.truncated, path: name,
                             "PNG data is truncated (chunk '\(type)' declares \(length) bytes, \(remaining) remain)")
        }
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw failure(message(&image), bytes, name: name)
        }
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let text = raw.prefix { $0 != 0 }
            return text.isEmpty ? "unknown error" : String(decoding: text, as: UTF8.self)
        }
    }

    /// `.truncated` when the chunk sequence runs off the end of the data before IEND, else `.corrupt`.
    private static func failure(_ message: String, _ bytes: UnsafeRawBufferPointer, name: String) -> ImageError {
        if chunksRunOut(bytes) { return ImageError(.truncated, path: name, "PNG data is truncated (\(message))") }
        return ImageError(.corrupt, path: name, "corrupt PNG (\(message))")
    }

    /// The first chunk (up to IEND) whose declared data runs past the end of `bytes`, if any.
    static func oversizedChunk(_ bytes: UnsafeRawBufferPointer) -> (type: String, length: Int, remaining: Int)? {
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let type = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8)]), as: Unicode.ASCII.self)
            if offset + 8 + length > bytes.count { return (type, length, bytes.count - offset - 8) }
            if type == "IEND" { return nil }
            offset += 12 + length
        }
        return nil
    }

    /// Walks the chunks (length, type, data, CRC) without trusting lengths beyond the buffer.
    static func chunksRunOut(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 8
        while true {
            guard offset + 8 <= bytes.count else { return true }
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let isEnd = bytes[offset + 4] == 0x49 && bytes[offset + 5] == 0x45 && bytes[offset + 6] == 0x4E && bytes[offset + 7] == 0x44
            let next = offset + 12 + length
            guard next <= bytes.count else { return true }
            if isEnd { return false }
            offset = next
        }
    }
}
