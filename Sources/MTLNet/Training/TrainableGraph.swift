import Layers
import Tensor

/// A small trainable graph over NHWC maps: convolutions (batch-norm folded in, trained as a
/// per-channel affine), max/average pooling, residual adds, channel concatenations and a global
/// average pool — what the tail of a MobileNet, MobileNetV2 or InceptionV3 block is made of.
///
/// Values are numbered: value 0 is the input, every node writes one new value, and a node only reads
/// values numbered before its own (nodes are in topological order). Forward keeps every value until
/// the next forward: backward needs the inputs of max pools (and the convolutions keep their own).
public final class TrainableGraph: ParameterGroup {
    public enum Operation {
        case conv(Convolution2D)
        /// `size × size` window, `stride`; average pools do not count padded positions (Keras `same`).
        case pool(max: Bool, size: Int, stride: Int, padding: Padding)
        case add
        case concat
        /// `[N, H, W, C]` → `[N, C]`.
        case globalAveragePool
    }

    public struct Node {
        public let operation: Operation
        public let inputs: [Int]
        public let output: Int
        public init(_ operation: Operation, inputs: [Int], output: Int) {
            self.operation = operation; self.inputs = inputs; self.output = output
        }
    }

    public let nodes: [Node]
    /// The value returned by `callAsFunction`.
    public let output: Int
    /// The convolutions in node order.
    public let convolutions: [Convolution2D]
    private var values: [Tensor?] = []

    public init(nodes: [Node], output: Int) {
        for (i, node) in nodes.enumerated() {
            precondition(node.output == i + 1 && node.inputs.allSatisfy({ $0 <= i }) && !node.inputs.isEmpty,
                         "TrainableGraph: node \(i) must write value \(i + 1) from earlier values, got \(node.inputs) → \(node.output)")
            switch node.operation {
            case .add: precondition(node.inputs.count == 2, "TrainableGraph: add node \(i) needs two inputs")
            case .concat: break
            default: precondition(node.inputs.count == 1, "TrainableGraph: node \(i) takes one input")
            }
        }
        precondition(output <= nodes.count, "TrainableGraph: output value \(output) of \(nodes.count + 1)")
        self.nodes = nodes; self.output = output
        convolutions = nodes.compactMap { if case let .conv(c) = $0.operation { return c } else { return nil } }
    }

    public var parameters: [Parameter] { convolutions.flatMap(\.parameters) }

    /// Runs the graph on `x` (value 0) and returns the output value.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        values = [Tensor?](repeating: nil, count: nodes.count + 1)
        values[0] = x
        for node in nodes {
            let xs = node.inputs.map { values[$0]! }
            switch node.operation {
            case .conv(let c): values[node.output] = c(xs[0])
            case let .pool(isMax, k, s, p):
                values[node.output] = isMax ? xs[0].maxPool2d(size: (k, k), stride: (s, s), padding: p)
                                            : xs[0].avgPool2d(size: (k, k), stride: (s, s), padding: p, countPadding: false)
            case .add:
                precondition(xs[0].shape == xs[1].shape, "TrainableGraph: add of \(xs[0].shape) and \(xs[1].shape)")
                var y = Tensor(zeros: xs[0].shape)
                let count = y.count
                y.scalars.withUnsafeMutableBufferPointer { Ops.add(xs[0].scalars, xs[1].scalars, output: $0.baseAddress!, count: count) }
                values[node.output] = y
            case .concat: values[node.output] = TrainableGraph.concat(xs)
            case .globalAveragePool: values[node.output] = xs[0].globalAvgPool()
            }
        }
        return values[output]!
    }

    /// Backward from `dL/doutput`: accumulates the convolutions' gradients, returns `dL/dinput`.
    @discardableResult
    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(values.count == nodes.count + 1, "TrainableGraph.backward called before forward")
        var grads = [Tensor?](repeating: nil, count: nodes.count + 1)
        grads[output] = gradOutput
        func accumulate(_ v: Int, _ g: Tensor) {
            guard var sum = grads[v] else { grads[v] = g; return }
            grads[v] = nil  // sole owner: add in place, no copy
            sum.scalars.withUnsafeMutableBufferPointer { s in
                g.scalars.withUnsafeBufferPointer { Ops.addBackward(dOutput: $0.baseAddress!, dInputs: [s.baseAddress!], count: g.count) }
            }
            grads[v] = sum
        }
        for node in nodes.reversed() {
            guard let dy = grads[node.output] else { continue }  // feeds nothing that reaches the output
            grads[node.output] = nil
            let x = values[node.inputs[0]]!
            switch node.operation {
            case .conv(let c): accumulate(node.inputs[0], c.backward(dy))
            case let .pool(isMax, k, s, p):
                let g = x.poolGeometry(size: (k, k), stride: (s, s), padding: p, ceilMode: false)
                var dx = Tensor(zeros: x.shape)
                dx.scalars.withUnsafeMutableBufferPointer { d in
                    if isMax {
                        Ops.maxPool2dBackward(input: x.scalars, dOutput: dy.scalars, dInput: d.baseAddress!, geometry: g)
                    } else {
                        Ops.avgPool2dBackward(dOutput: dy.scalars, dInput: d.baseAddress!, geometry: g, countPadding: false)
                    }
                }
                accumulate(node.inputs[0], dx)
            case .add:
                accumulate(node.inputs[0], dy)
                accumulate(node.inputs[1], dy)
            case .concat:
                for (v, dx) in zip(node.inputs, TrainableGraph.concatBackward(dy, channels: node.inputs.map { values[$0]!.shape[3] })) {
                    accumulate(v, dx)
                }
            case .globalAveragePool:
                var dx = Tensor(zeros: x.shape)
                dx.scalars.withUnsafeMutableBufferPointer {
                    Ops.globalAvgPoolBackward(dOutput: dy.scalars, dInput: $0.baseAddress!, batch: x.shape[0], height: x.shape[1],
                                              width: x.shape[2], channels: x.shape[3])
                }
                accumulate(node.inputs[0], dx)
            }
        }
        return grads[0] ?? Tensor(zeros: values[0]!.shape)
    }

    /// `[N, H, W, C_k]` maps → `[N, H, W, ΣC_k]`.
    static func concat(_ xs: [Tensor]) -> Tensor {
        let s = xs[0].shape
        precondition(xs.allSatisfy { $0.rank == 4 && Array($0.shape.prefix(3)) == Array(s.prefix(3)) },
                     "TrainableGraph: concat of maps of different sizes \(xs.map(\.shape))")
        var y = Tensor(zeros: Array(s.prefix(3)) + [xs.reduce(0) { $0 + $1.shape[3] }])
        withPointers(xs) { ps in
            y.scalars.withUnsafeMutableBufferPointer {
                Ops.concatChannels(zip(ps, xs).map { ($0, $1.shape[3]) }, positions: s[0] * s[1] * s[2], output: $0.baseAddress!)
            }
        }
        return y
    }

    /// `dL/dconcat` `[N, H, W, ΣC_k]` → `dL/dx_k` `[N, H, W, C_k]`.
    static func concatBackward(_ dy: Tensor, channels: [Int]) -> [Tensor] {
        let positions = dy.count / dy.shape[3]
        let buffers = channels.map { c -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: positions * c)
            p.initialize(repeating: 0, count: positions * c)
            return p
        }
        defer { buffers.forEach { $0.deallocate() } }
        Ops.concatChannelsBackward(dOutput: dy.scalars, positions: positions, dInputs: Array(zip(buffers, channels)))
        return zip(buffers, channels).map { p, c in
            Tensor(shape: Array(dy.shape.prefix(3)) + [c], scalars: Array(UnsafeBufferPointer(start: p, count: positions * c)))
        }
    }
}

/// Calls `body` with pointers to the storage of every tensor of `xs` (valid during the call only).
private func withPointers<R>(_ xs: [Tensor], _ done: [UnsafePointer<Float>] = [], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    guard done.count < xs.count else { return body(done) }
    return xs[done.count].scalars.withUnsafeBufferPointer { withPointers(xs, done + [$0.baseAddress!], body) }
}
