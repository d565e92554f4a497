import XCTest
import Tensor

/// Asserts that two tensors have the same shape and agree within `tolerance`, relative to the larger
/// magnitude (absolute near zero).
func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-4, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shapes differ: \(message())", file: file, line: line)
    guard a.shape == b.shape else { return }
    var worst: Float = 0, worstIndex = 0
    for i in a.scalars.indices {
        let scale = max(1, abs(a.scalars[i]), abs(b.scalars[i]))
        let error = abs(a.scalars[i] - b.scalars[i]) / scale
        if !(error <= worst) { worst = error; worstIndex = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance,
                             "element \(worstIndex): \(a.scalars[worstIndex]) vs \(b.scalars[worstIndex]) \(message())",
                             file: file, line: line)
}

extension Tensor {
    static func random(_ shape: [Int], _ rng: inout SeededRandom, in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(randomUniform: shape, in: range, using: &rng)
    }
}

/// Runs a naive kernel that writes into a fresh tensor of `shape`.
func naiveOutput(_ shape: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
    var out = Tensor(zeros: shape)
    out.scalars.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return out
}
