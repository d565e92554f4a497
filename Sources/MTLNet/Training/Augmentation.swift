import Foundation
import ImageIO
import Tensor

/// Random photometric and geometric changes of a face crop (RGBImage → RGBImage, same size):
/// horizontal flip, rotation, shift, scale (one affine warp, bilinear, edges replicated as
/// Keras's `fill_mode="nearest"`), then brightness and contrast.
public struct Augmentation: Codable, Equatable, Sendable {
    public var flip = true
    /// Largest rotation either way, degrees.
    public var maxRotation: Float = 10
    /// Largest shift either way, as a fraction of the side.
    public var maxShift: Float = 0.06
    /// Largest zoom change either way (0.08 → scale in [0.92, 1.08]).
    public var maxScale: Float = 0.08
    /// Largest brightness change either way, as a fraction of full scale.
    public var maxBrightness: Float = 0.12
    /// Largest contrast change either way (0.15 → contrast × [0.85, 1.15]).
    public var maxContrast: Float = 0.15

    public init() {}

    /// Cache key part: changes whenever the augmentation would produce other images.
    public var key: String {
        "aug-v1:\(flip),\(maxRotation),\(maxShift),\(maxScale),\(maxBrightness),\(maxContrast)"
    }

    /// View `view` of `image`: view 0 is the image itself, view 1 its mirror image (the
    /// strongest and safest augmentation for faces), later views random draws from `rng`.
    public func view(_ view: Int, of image: RGBImage, using rng: inout SeededRandom) -> RGBImage {
        switch view {
        case 0: return image
        case 1: return Augmentation.transform(image, flip: true)
        default: return apply(image, using: &rng)
        }
    }

    /// One random draw of every change.
    public func apply(_ image: RGBImage, using rng: inout SeededRandom) -> RGBImage {
        let flipped = flip && rng.nextUnit() < 0.5
        let angle = rng.nextFloat(in: -maxRotation...maxRotation) * .pi / 180
        let scale = 1 + rng.nextFloat(in: -maxScale...maxScale)
        let dx = rng.nextFloat(in: -maxShift...maxShift) * Float(image.width)
        let dy = rng.nextFloat(in: -maxShift...maxShift) * Float(image.height)
        let brightness = rng.nextFloat(in: -maxBrightness...maxBrightness) * 255
        let contrast = 1 + rng.nextFloat(in: -maxContrast...maxContrast)
        return Augmentation.transform(image, flip: flipped, angle: angle, scale: scale, shift: (dx, dy),
                                      brightness: brightness, contrast: contrast)
    }

    /// The deterministic transform: output pixel p samples the input at
    /// `c + R(−angle)·(p − c − shift) / scale` (c the centre), mirrored if `flip`; then
    /// `v ← (v − mean)·contrast + mean + brightness` with the image's mean grey, clamped to 0…255.
    public static func transform(_ image: RGBImage, flip: Bool = false, angle: Float = 0, scale: Float = 1,
                                 shift: (Float, Float) = (0, 0), brightness: Float = 0, contrast: Float = 1) -> RGBImage {
        let w = image.width, h = image.height
        let cx = Float(w - 1) / 2, cy = Float(h - 1) / 2
        let cosA = Foundation.cos(angle) / scale, sinA = Foundation.sin(angle) / scale
        var mean: Float = 0
        if contrast != 1 { mean = Float(image.pixels.reduce(0) { $0 + Int($1) }) / Float(image.pixels.count) }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<h {
                for x in 0..<w {
                    let u = Float(x) - cx - shift.0, v = Float(y) - cy - shift.1
                    var sx = cx + cosA * u + sinA * v
                    let sy = cy - sinA * u + cosA * v
                    if flip { sx = Float(w - 1) - sx }
                    // Replicate the edge: clamp the sample point into the image.
                    let fx = Swift.min(Swift.max(sx, 0), Float(w - 1)), fy = Swift.min(Swift.max(sy, 0), Float(h - 1))
                    let x0 = Int(fx), y0 = Int(fy)
                    let x1 = Swift.min(x0 + 1, w - 1), y1 = Swift.min(y0 + 1, h - 1)
                    let wx = fx - Float(x0), wy = fy - Float(y0)
                    for c in 0..<3 {
                        let top = Float(src[(y0 * w + x0) * 3 + c]) * (1 - wx) + Float(src[(y0 * w + x1) * 3 + c]) * wx
                        let bottom = Float(src[(y1 * w + x0) * 3 + c]) * (1 - wx) + Float(src[(y1 * w + x1) * 3 + c]) * wx
                        var value = top * (1 - wy) + bottom * wy
                        value = (value - mean) * contrast + mean + brightness
                        out[(y * w + x) * 3 + c] = UInt8(Swift.max(0, Swift.min(255, value.rounded())))
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
