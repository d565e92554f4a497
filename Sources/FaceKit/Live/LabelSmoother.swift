/// Averages a track's class probabilities over its last `window` frames, so that one bad frame
/// (blur, a turned head) does not flip the label shown for a face that has not changed.
public struct LabelSmoother {
    public let window: Int
    /// Per track id: the last probability vectors, per task `[frames][task][class]`.
    private var history: [Int: [[[Float]]]] = [:]

    public init(window: Int = 5) {
        precondition(window >= 1, "LabelSmoother: window must be at least 1")
        self.window = window
    }

    /// Adds this frame's probabilities `[task][class]` for `track` and returns the mean over the
    /// track's last `window` frames (the same shape).
    public mutating func add(track: Int, probabilities: [[Float]]) -> [[Float]] {
        var frames = history[track] ?? []
        if let last = frames.last, last.map(\.count) != probabilities.map(\.count) { frames = [] }
        frames.append(probabilities)
        if frames.count > window { frames.removeFirst(frames.count - window) }
        history[track] = frames
        let n = Float(frames.count)
        return probabilities.indices.map { t in
            probabilities[t].indices.map { c in frames.reduce(0) { $0 + $1[t][c] } / n }
        }
    }

    /// Forgets the tracks that are not in `live` (faces that left).
    public mutating func keep(only live: Set<Int>) {
        for id in history.keys where !live.contains(id) { history[id] = nil }
    }
}
