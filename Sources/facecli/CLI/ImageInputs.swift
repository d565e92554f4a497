import ImageIO

/// The loop every per-image command shares (`detect`, `predict`, …): decode each input in turn,
/// report a failing one as `facecli: <file>: <problem>` on stderr and go on with the rest.
public enum ImageInputs {
    /// Calls `body` with each path and its decoded image. Errors thrown by decoding or by `body`
    /// are reported and the next input is processed. Returns `.ok` when all succeeded and
    /// `.someFailed` (1) when some failed; when every input failed, the first error's own status
    /// (65 bad data, 66 missing, …), so that a single bad input exits as that error would.
    public static func forEach(_ paths: [String], decoder: ImageDecoder = ImageDecoder(),
                               _ body: (String, RGBImage) throws -> Void) -> ExitCode {
        var firstFailure: ExitCode?
        var failures = 0
        for path in paths {
            do {
                try body(path, try decoder.decode(path: path))
            } catch {
                let status = Dispatch.report(error)
                firstFailure = firstFailure ?? status
                failures += 1
            }
        }
        guard let firstFailure else { return .ok }
        return failures == paths.count ? firstFailure : .someFailed
    }
}
