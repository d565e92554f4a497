/// A dense float32 tensor, row-major. Images and feature maps are NHWC: `[batch, height, width, channels]`.
///
/// `Tensor` is a value type (copy-on-write through its `[Float]` storage). Hot paths do not
/// allocate tensors per call: they take `UnsafePointer<Float>` views of buffers allocated once
/// (see the kernels in `Ops`), and `Tensor` is the convenient owner of such buffers.
public struct Tensor: Sendable, Equatable {
    /// Dimensions, outermost first.
    public private(set) var shape: [Int]
    /// `shape.reduce(1, *)` values in row-major order.
    public var scalars: [Float]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.scalars = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.scalars = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// Wraps `scalars` (row-major) with `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Uniform random values in `range`, reproducible from `rng`.
    public init(randomUniform shape: [Int], in range: ClosedRange<Float> = -1...1, using rng: inout SeededRandom) {
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        for i in values.indices { values[i] = rng.nextFloat(in: range) }
        self.init(shape: shape, scalars: values)
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// Same values, new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Changes the shape in place (element count must match).
    public mutating func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == scalars.count,
                     "Tensor.reshape: \(shape) -> \(newShape) changes the element count")
        shape = newShape
    }

    /// Row-major flat index of a multi-index.
    @inlinable
    public func index(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor: \(indices.count) indices for rank \(shape.count)")
        var flat = 0
        for (i, d) in zip(indices, shape) {
            precondition(i >= 0 && i < d, "Tensor: index \(indices) out of bounds for \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    public subscript(_ indices: Int...) -> Float {
        get { scalars[index(indices)] }
        set { scalars[index(indices)] = newValue }
    }

    /// Largest absolute element-wise difference; shapes must match.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "Tensor: shapes differ \(shape) vs \(other.shape)")
        var m: Float = 0
        for i in scalars.indices { m = max(m, abs(scalars[i] - other.scalars[i])) }
        return m
    }
}
