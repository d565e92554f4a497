import Foundation
import XCTest
import Tensor

/// Window ops against outputs PyTorch computed (`tools/gen_tensor_goldens.py`, files in `Goldens/`):
/// convolution, depthwise convolution, max and average pooling in every padding mode (valid, TF `same`
/// including the asymmetric stride-2 case, symmetric explicit, ceil mode, count_include_pad on and off).
final class PyTorchGoldenTests: XCTestCase {
    struct Golden: Decodable {
        struct Values: Decodable { var shape: [Int]; var data: [Float] }
        struct PaddingSpec: Decodable { var kind: String; var top: Int?; var left: Int?; var bottom: Int?; var right: Int? }
        var name: String
        var op: String
        var stride: Int
        var kernel: Int
        var padding: PaddingSpec
        var ceil_mode: Bool?
        var count_include_pad: Bool?
        var input: Values
        var weights: Values?
        var bias: Values?
        var output: Values
    }
    struct File: Decodable { var torch: String; var cases: [Golden] }

    func load(_ name: String) throws -> [Golden] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens/\(name).json")
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        XCTAssertFalse(file.cases.isEmpty, "\(name).json has no cases")
        return file.cases
    }

    func padding(_ spec: Golden.PaddingSpec) -> Padding {
        switch spec.kind {
        case "valid": return .valid
        case "same": return .same
        default: return .explicit(top: spec.top!, left: spec.left!, bottom: spec.bottom!, right: spec.right!)
        }
    }

    func tensor(_ v: Golden.Values) -> Tensor { Tensor(shape: v.shape, scalars: v.data) }

    func testConvolution() throws {
        for c in try load("conv") {
            let y = tensor(c.input).conv2d(weights: tensor(c.weights!), bias: tensor(c.bias!), stride: (c.stride, c.stride),
                                           padding: padding(c.padding))
            assertClose(y, tensor(c.output), tolerance: 1e-5, c.name)
            // The naive oracle agrees with PyTorch too.
            let g = ConvGeometry(batch: 1, inHeight: c.input.shape[1], inWidth: c.input.shape[2], inChannels: c.input.shape[3],
                                 outChannels: c.output.shape[3], kernelHeight: c.kernel, kernelWidth: c.kernel,
                                 strideHeight: c.stride, strideWidth: c.stride, padding: padding(c.padding))
            let naive = naiveOutput(g.outputShape) {
                Naive.conv2d(input: c.input.data, weights: c.weights!.data, bias: c.bias!.data, output: $0, geometry: g)
            }
            assertClose(naive, tensor(c.output), tolerance: 1e-5, "naive " + c.name)
        }
    }

    func testDepthwise() throws {
        for c in try load("depthwise") {
            let y = tensor(c.input).depthwiseConv2d(weights: tensor(c.weights!), bias: tensor(c.bias!),
                                                    stride: (c.stride, c.stride), padding: padding(c.padding))
            assertClose(y, tensor(c.output), tolerance: 1e-5, c.name)
        }
    }

    func testPooling() throws {
        let cases = try load("pooling")
        XCTAssertTrue(cases.contains { $0.ceil_mode == true && $0.op == "maxpool" })
        XCTAssertTrue(cases.contains { $0.count_include_pad == true } && cases.contains { $0.count_include_pad == false })
        for c in cases {
            let x = tensor(c.input)
            let k = (c.kernel, c.kernel), s = (c.stride, c.stride)
            let y = c.op == "maxpool"
                ? x.maxPool2d(size: k, stride: s, padding: padding(c.padding), ceilMode: c.ceil_mode ?? false)
                : x.avgPool2d(size: k, stride: s, padding: padding(c.padding), ceilMode: c.ceil_mode ?? false,
                              countPadding: c.count_include_pad!)
            assertClose(y, tensor(c.output), tolerance: 1e-6, c.name)
        }
    }
}
