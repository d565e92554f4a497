import ImageIO
import MTLNet

/// The ways an image file becomes the face crop the backbone sees.
public enum FaceSources {
    /// `--aligned`: the file already is a face crop; its central square is resized to `size`.
    public static func aligned(size: Int, decoder: ImageDecoder = ImageDecoder()) -> FaceSource {
        FaceSource(key: "aligned-center-square-v1", cacheable: false) { path in
            try decoder.decode(path: path).centerSquare(size: size)
        }
    }
}
