import Tensor
import XCTest

/// Central finite differences of a scalar function of `x`, compared with an analytic gradient.
/// Checks every element (the tensors in these tests are small) with a tolerance relative to the
/// gradient's scale so that float32 rounding in the function does not produce false failures.
func checkGradient(_ x: Tensor, analytic: Tensor, step h: Float = 1e-2, tolerance: Float = 2e-2,
                   _ f: (Tensor) -> Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(x.shape, analytic.shape, "gradient shape", file: file, line: line)
    let scale = max(analytic.scalars.map(abs).max() ?? 0, 1e-3)
    var worst: Float = 0
    for i in 0..<x.count {
        var plus = x, minus = x
        plus.scalars[i] += h
        minus.scalars[i] -= h
        let numeric = (f(plus) - f(minus)) / (2 * h)
        worst = max(worst, abs(numeric - analytic.scalars[i]) / scale)
    }
    XCTAssertLessThan(worst, tolerance, "largest finite-difference error relative to the gradient scale", file: file, line: line)
}
