import ImageIO
import MTCNN

/// Follows faces from frame to frame so that the full MTCNN cascade (pyramid + P/R/O-Net) runs
/// only every `detectEvery` frames, when there is no face to follow, or when a followed face is
/// lost; in between, O-Net alone re-finds each face around its previous box
/// (`MTCNNDetector.refine`), which costs one 48×48 network run per face.
public final class FaceTracker {
    public struct Options: Sendable {
        /// Full detection at least every this many frames (1 = every frame), to pick up new faces.
        public var detectEvery = 10
        /// Enlargement of the previous box, per side, for O-Net's crop.
        public var margin: Float = 0.1
        /// A detection continues a track when their boxes overlap by more than this (IoU).
        public var matchIoU: Float = 0.3
        public init(detectEvery: Int = 10) { self.detectEvery = detectEvery }
    }

    public struct Track: Sendable {
        /// Stable for as long as the face is followed; new faces get new ids.
        public var id: Int
        public var face: FaceDetection
        /// Frames this track has been followed (1 on the frame it appeared).
        public var length: Int
    }

    public let detector: MTCNNDetector
    public var options: Options
    public private(set) var tracks: [Track] = []
    /// How the work was done, for the summary.
    public private(set) var fullDetections = 0, refinements = 0
    private var sinceDetection = 0
    private var nextID = 0
    private var lastSize = (width: 0, height: 0)

    public init(detector: MTCNNDetector, options: Options = Options()) {
        precondition(options.detectEvery >= 1, "FaceTracker: detectEvery must be at least 1")
        self.detector = detector; self.options = options
    }

    /// The faces in this frame, each with its track.
    public func update(_ image: RGBImage) -> [Track] {
        if image.width != lastSize.width || image.height != lastSize.height {
            tracks = []   // another camera or another picture: nothing carries over
            lastSize = (image.width, image.height)
        }
        sinceDetection += 1
        if tracks.isEmpty || sinceDetection >= options.detectEvery {
            associate(detector.detect(image))
            return tracks
        }
        refinements += 1
        let refined = detector.refine(image, around: tracks.map(\.face.box), margin: options.margin)
        if refined.contains(where: { $0 == nil }) {
            associate(detector.detect(image))   // a face was lost: look everywhere now
            return tracks
        }
        for (k, face) in refined.enumerated() {
            tracks[k].face = face!
            tracks[k].length += 1
        }
        dropMerged()
        return tracks
    }

    /// Forgets every track (a cut in the video).
    public func reset() { tracks = []; sinceDetection = 0 }

    /// Full detection: detections continue the tracks they overlap most (greedy by IoU), the
    /// others start new tracks; tracks without a detection end.
    private func associate(_ faces: [FaceDetection]) {
        fullDetections += 1
        sinceDetection = 0
        var pairs = [(iou: Float, track: Int, face: Int)]()
        for (t, track) in tracks.enumerated() {
            for (f, face) in faces.enumerated() {
                let iou = track.face.box.iou(face.box)
                if iou > options.matchIoU { pairs.append((iou, t, f)) }
            }
        }
        pairs.sort { $0.iou > $1.iou }
        var trackTaken = Set<Int>(), faceTaken = [Int?](repeating: nil, count: faces.count)
        for p in pairs where !trackTaken.contains(p.track) && faceTaken[p.face] == nil {
            trackTaken.insert(p.track); faceTaken[p.face] = p.track
        }
        tracks = faces.enumerated().map { f, face in
            if let t = faceTaken[f] { return Track(id: tracks[t].id, face: face, length: tracks[t].length + 1) }
            nextID += 1
            return Track(id: nextID - 1, face: face, length: 1)
        }
    }

    /// Two tracks that converged on one face: keep the older.
    private func dropMerged() {
        var keep = [Track]()
        for t in tracks.sorted(by: { $0.length > $1.length }) where !keep.contains(where: { $0.face.box.iou(t.face.box) > 0.5 }) {
            keep.append(t)
        }
        if keep.count != tracks.count {
            let ids = Set(keep.map(\.id))
            tracks = tracks.filter { ids.contains($0.id) }
        }
    }
}
