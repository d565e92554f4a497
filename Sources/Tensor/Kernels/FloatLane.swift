/// The lane type of a channel-vectorised kernel: `SIMD8<Float>` for blocks of eight channels and
/// `Float` for the channels left over, so that one kernel body (specialised twice) handles any
/// channel count. `SIMD8<Float>.addingProduct` is one FMA on AVX2 and two `fmla` on NEON.
protocol FloatLane {
    static var laneCount: Int { get }
    init(repeating value: Float)
    init(loading pointer: UnsafePointer<Float>)
    func store(to pointer: UnsafeMutablePointer<Float>)
    func addingProduct(_ a: Self, _ b: Self) -> Self
    static func + (lhs: Self, rhs: Self) -> Self
    /// `min(max(self, low), high)`: the fused activation (±infinity bounds leave values untouched).
    func clamped(_ low: Self, _ high: Self) -> Self
    /// Lane-wise maximum.
    func maximum(_ other: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
}

extension SIMD8: FloatLane where Scalar == Float {
    @inline(__always) static var laneCount: Int { 8 }
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD8<Float>.self)
    }
    @inline(__always) func clamped(_ low: Self, _ high: Self) -> Self {
        // `pointwiseMin/Max` are not inlined by the standard library (a call per vector); masks are.
        let raised = replacing(with: low, where: self .< low)
        return raised.replacing(with: high, where: raised .> high)
    }
    @inline(__always) func maximum(_ other: Self) -> Self { replacing(with: other, where: self .< other) }
}

extension SIMD4: FloatLane where Scalar == Float {
    @inline(__always) static var laneCount: Int { 4 }
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD4<Float>.self)
    }
    @inline(__always) func clamped(_ low: Self, _ high: Self) -> Self {
        let raised = replacing(with: low, where: self .< low)
        return raised.replacing(with: high, where: raised .> high)
    }
    @inline(__always) func maximum(_ other: Self) -> Self { replacing(with: other, where: self .< other) }
}

extension Float: FloatLane {
    @inline(__always) static var laneCount: Int { 1 }
    @inline(__always) init(repeating value: Float) { self = value }
    @inline(__always) init(loading pointer: UnsafePointer<Float>) { self = pointer.pointee }
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) { pointer.pointee = self }
    @inline(__always) func clamped(_ low: Float, _ high: Float) -> Float { Swift.min(Swift.max(self, low), high) }
    @inline(__always) func maximum(_ other: Float) -> Float { Swift.max(self, other) }
}

extension Activation {
    /// Bounds that `FloatLane.clamped` applies for this activation.
    var clampBounds: (low: Float, high: Float) {
        switch self {
        case .linear: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        }
    }
}
