import CTurboJPEG

/// JPEG through TurboJPEG's handle API, which reports errors by return code. (libjpeg's own error
/// handler calls `exit()`, and `longjmp` across Swift frames is undefined, so libjpeg is never
/// called directly.)
enum JPEGCodec {
    /// Size after orientation, from the header only.
    static func header(_ bytes: UnsafeRawBufferPointer, name: String, options: ImageDecoder) throws -> (width: Int, height: Int) {
        let handle = try decompressor(name: name)
        defer { tjDestroy(handle) }
        let markers = JPEGMarkers(bytes)
        let h = try readHeader(handle, bytes, markers: markers, name: name, options: options)
        let swaps = options.appliesEXIFOrientation && markers.orientation >= 5
        return swaps ? (h.height, h.width) : (h.width, h.height)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, options: ImageDecoder) throws -> RGBImage {
        let handle = try decompressor(name: name)
        defer { tjDestroy(handle) }
        let markers = JPEGMarkers(bytes)
        let header = try readHeader(handle, bytes, markers: markers, name: name, options: options)
        let (w, h) = (header.width, header.height)
        // TurboJPEG cannot convert CMYK to RGB: take CMYK and convert below.
        let cmyk = header.colorspace == Int32(TJCS_CMYK.rawValue) || header.colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = cmyk ? 4 : 3
        var buffer = [UInt8](repeating: 0, count: w * h * channels)
        let status = buffer.withUnsafeMutableBufferPointer { dst in
            tjDecompress2(handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
                          dst.baseAddress, Int32(w), 0, Int32(h),
                          Int32(cmyk ? TJPF_CMYK.rawValue : TJPF_RGB.rawValue), flags)
        }
        if status != 0, !isHarmlessWarning(handle) {
            throw classify(errorMessage(handle), markers: markers, name: name)
        }
        var image: RGBImage
        if cmyk {
            // Adobe CMYK JPEGs store inverted ink values, so R = C·K/255 etc.
            var rgb = [UInt8](repeating: 0, count: w * h * 3)
            for i in 0..<(w * h) {
                let k = UInt32(buffer[4 * i + 3])
                for c in 0..<3 { rgb[3 * i + c] = UInt8((UInt32(buffer[4 * i + c]) * k + 127) / 255) }
            }
            image = RGBImage(width: w, height: h, pixels: rgb)
        } else {
            image = RGBImage(width: w, height: h, pixels: buffer)
        }
        if options.appliesEXIFOrientation, markers.orientation != 1 {
            image = image.oriented(exif: markers.orientation)
        }
        return image
    }

    /// Encodes `image` at `quality` 1…100.
    static func encode(_ image: RGBImage, quality: Int, subsampling: JPEGSubsampling, name: String) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw ImageError(.unsupported, path: name, "JPEG quality must be 1…100, got \(quality)")
        }
        guard let handle = tjInitCompress() else {
            throw ImageError(.unsupported, path: name, "cannot start the JPEG encoder: \(errorMessage(nil))")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        defer { if output != nil { tjFree(output) } }
        let status = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &output, &size, subsampling.turboJPEG, Int32(quality), Int32(TJFLAG_ACCURATEDCT))
        }
        guard status == 0, let output else {
            throw ImageError(.unsupported, path: name, "JPEG encoding failed: \(errorMessage(handle))")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    // MARK: - Helpers

    /// Stop progressive files with absurd scan counts (a CPU bomb) instead of decoding for minutes.
    private static let flags = Int32(TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS)

    private static func decompressor(name: String) throws -> tjhandle {
        guard let handle = tjInitDecompress() else {
            throw ImageError(.unsupported, path: name, "cannot start the JPEG decoder: \(errorMessage(nil))")
        }
        return handle
    }

    private static func readHeader(_ handle: tjhandle, _ bytes: UnsafeRawBufferPointer, markers: JPEGMarkers,
                                   name: String, options: ImageDecoder) throws -> (width: Int, height: Int, colorspace: Int32) {
        var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
                                         &w, &h, &subsampling, &colorspace)
        guard status == 0 || isHarmlessWarning(handle) else { throw classify(errorMessage(handle), markers: markers, name: name) }
        // A stream cut before its frame header "succeeds" with a 0×0 size.
        guard w > 0, h > 0 else {
            throw markers.ranOut ? ImageError(.truncated, path: name, "JPEG data ends before the frame header")
                                 : ImageError(.corrupt, path: name, "corrupt JPEG (no frame header, size \(w)×\(h))")
        }
        try options.checkSize(width: Int(w), height: Int(h), name: name)
        return (Int(w), Int(h), colorspace)
    }

    /// TurboJPEG reports libjpeg warnings as failures although the output is complete. Most mean
    /// damaged or missing entropy-coded data (the rest of the image comes out grey): those are
    /// errors. Stray bytes between markers and odd scan parameters are common in camera files and
    /// harmless.
    private static func isHarmlessWarning(_ handle: tjhandle) -> Bool {
        guard tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) else { return false }
        let message = errorMessage(handle)
        return message.contains("extraneous bytes") || message.contains("Invalid SOS parameters")
    }

    private static func classify(_ message: String, markers: JPEGMarkers, name: String) -> ImageError {
        if markers.ranOut || message.contains("Premature end") {
            return ImageError(.truncated, path: name, "JPEG data is truncated (\(message))")
        }
        return ImageError(.corrupt, path: name, "corrupt JPEG (\(message))")
    }

    private static func errorMessage(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}

/// Chroma subsampling of an encoded JPEG.
public enum JPEGSubsampling: Sendable {
    /// Full-resolution colour: sharpest annotations, largest files.
    case s444
    /// Colour at half resolution in both directions: the usual photo setting.
    case s420
    /// Luminance only: a greyscale JPEG.
    case grey

    var turboJPEG: Int32 {
        switch self {
        case .s444: return Int32(TJSAMP_444.rawValue)
        case .s420: return Int32(TJSAMP_420.rawValue)
        case .grey: return Int32(TJSAMP_GRAY.rawValue)
        }
    }
}
