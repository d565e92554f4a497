/// A face box in pixels of the original image: top-left corner and size.
public struct FaceBox: Sendable, Equatable {
    public var x: Float, y: Float, width: Float, height: Float

    public init(x: Float, y: Float, width: Float, height: Float) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    /// Intersection over union with `other` (0 when either is empty).
    public func iou(_ other: FaceBox) -> Float {
        let w = min(x + width, other.x + other.width) - max(x, other.x)
        let h = min(y + height, other.y + other.height) - max(y, other.y)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        return inter / (width * height + other.width * other.height - inter)
    }
}

/// The five MTCNN landmarks in pixels of the original image. "Left" is the point with the smaller
/// x in an upright face (the subject's right eye), as MTCNN implementations name them.
public struct FaceLandmarks: Sendable, Equatable {
    public var leftEye: SIMD2<Float>, rightEye: SIMD2<Float>, nose: SIMD2<Float>
    public var mouthLeft: SIMD2<Float>, mouthRight: SIMD2<Float>

    /// Names in `points` order, as the CLI prints them.
    public static let names = ["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"]

    public init(leftEye: SIMD2<Float>, rightEye: SIMD2<Float>, nose: SIMD2<Float>,
                mouthLeft: SIMD2<Float>, mouthRight: SIMD2<Float>) {
        self.leftEye = leftEye; self.rightEye = rightEye; self.nose = nose
        self.mouthLeft = mouthLeft; self.mouthRight = mouthRight
    }

    /// From 5 points in `names` order.
    public init(points: [SIMD2<Float>]) {
        precondition(points.count == 5, "FaceLandmarks: 5 points expected, got \(points.count)")
        self.init(leftEye: points[0], rightEye: points[1], nose: points[2], mouthLeft: points[3], mouthRight: points[4])
    }

    /// The 5 points in `names` order.
    public var points: [SIMD2<Float>] { [leftEye, rightEye, nose, mouthLeft, mouthRight] }
}

/// One detected face.
public struct FaceDetection: Sendable, Equatable {
    /// As the reference implementations report it: O-Net's regressed box, not squared and not
    /// clipped to the image (a face at the border may extend past it).
    public var box: FaceBox
    /// O-Net's face probability.
    public var confidence: Float
    public var landmarks: FaceLandmarks

    public init(box: FaceBox, confidence: Float, landmarks: FaceLandmarks) {
        self.box = box; self.confidence = confidence; self.landmarks = landmarks
    }
}

/// Detector settings; the defaults are the MTCNN paper's and facenet-pytorch's.
public struct MTCNNOptions: Sendable, Equatable {
    /// Smallest face side in pixels searched for (the first pyramid scale is 12 / minFaceSize).
    public var minFaceSize: Double = 20
    /// Ratio between consecutive pyramid scales.
    public var scaleFactor: Double = 0.709
    /// Face-probability thresholds of P-Net, R-Net and O-Net.
    public var thresholds: (pnet: Float, rnet: Float, onet: Float) = (0.6, 0.7, 0.7)
    /// Worker threads (1 = the calling thread only).
    public var threads: Int = 1

    public init(minFaceSize: Double = 20, scaleFactor: Double = 0.709,
                thresholds: (pnet: Float, rnet: Float, onet: Float) = (0.6, 0.7, 0.7), threads: Int = 1) {
        self.minFaceSize = minFaceSize; self.scaleFactor = scaleFactor; self.thresholds = thresholds; self.threads = threads
    }

    public static func == (a: MTCNNOptions, b: MTCNNOptions) -> Bool {
        a.minFaceSize == b.minFaceSize && a.scaleFactor == b.scaleFactor && a.threads == b.threads
            && a.thresholds == b.thresholds
    }

    /// Problems with these settings, or nil when they are usable.
    public var validationError: String? {
        if !(minFaceSize >= 12) { return "minimum face size must be at least 12 pixels, got \(minFaceSize)" }
        if !(scaleFactor > 0.1 && scaleFactor < 1) { return "scale factor must be in (0.1, 1), got \(scaleFactor)" }
        for t in [thresholds.pnet, thresholds.rnet, thresholds.onet] where !(t >= 0 && t <= 1) {
            return "thresholds must be in [0, 1], got \(t)"
        }
        if threads < 1 { return "threads must be at least 1, got \(threads)" }
        return nil
    }
}
