import Tensor

/// A feed-forward inference graph (convolutions with folded batch-norm and fused activations,
/// pooling, residual adds, channel concatenations, global average pooling) over NHWC float maps.
///
/// Memory: `prepare(batch:height:width:)` plans once per input shape: every feature map gets a slice
/// of one arena, slices are reused once their map is dead, and concatenation inputs are written
/// straight into their slice of the concatenated map (no copy). Later forwards at that shape
/// allocate nothing.
///
/// Threads: each layer is cut into a few tasks per thread (blocks of GEMM tiles, bands of depthwise
/// rows; planned once per shape) that the threads of `ThreadPool.shared` take one at a time, so a
/// thread that starts late takes fewer; layers of under ~5 µs run inline.
///
/// Not thread-safe: one forward at a time per graph (it owns its buffers).
public final class InferenceGraph {
    /// Convolutions in build order; `.conv` layers without their weights (those are in `packed`).
    let specs: [ConvLayer]
    /// Convolutions in build order with their folded parameters (`.conv` weights unpacked from the
    /// engine's panels on each call: the graph keeps one copy of the weights, packed).
    public var layers: [ConvLayer] { specs.indices.map(layer) }
    public var layerCount: Int { specs.count }
    /// Convolution `i` (build order) with its folded parameters.
    public func layer(_ i: Int) -> ConvLayer {
        var L = specs[i]
        if let p = packed[i] { L.weights = p.matrix.unpacked() }
        return L
    }
    /// Names of the convolutions in build order.
    public var layerNames: [String] { specs.map(\.name) }
    let nodes: [GraphNode]
    let channels: [Int]
    /// Value names: the layer that produced each value ("input" for value 0).
    public let valueNames: [String]
    public let output: Int
    /// For each concatenation input: (the concatenation, channel offset).
    let concatParent: [Int: (parent: Int, offset: Int)]
    /// Per layer: 3×3 depthwise weights packed once (nil for other layers).
    let depthwisePacked: [PackedDepthwise3x3?]
    /// Convolution node → the residual add it performs itself (`output = activation(conv) + residual`,
    /// written to the add's output): node index of the add, the residual value, the add's output. Not used
    /// when the convolution's own output is tapped.
    let fusedAdd: [Int: (add: Int, residual: Int, output: Int)]
    /// Plans by input shape; a few are kept (a batch split into chunks needs two: full and last).
    private var plans: [[Int]: Plan] = [:]
    /// Per layer: the weights packed for `PackedMatrix` and the bias padded to its panels (`.conv` layers only).
    let packed: [PackedWeights?]
    /// When set (one entry per node, seconds; start at `.infinity`), `forward` keeps each node's fastest time
    /// (the fastest, not the mean: benchmarks here share the machine): the calling thread's CPU clock with
    /// one thread, wall time with several.
    public var nodeSeconds: [Double]?
    /// A short description of node `i` for profiles: output name, kind and output channels.
    public func nodeDescription(_ i: Int) -> String {
        switch nodes[i] {
        case let .conv(l, _, _):
            let L = specs[l]
            return "\(L.name) \(L.kind == .conv ? "conv" : "dw") \(L.kernelHeight)×\(L.kernelWidth)/\(L.strideHeight) \(L.inChannels)→\(L.outChannels)"
        case let .pool(isMax, k, s, _, _, o): return "\(valueNames[o]) \(isMax ? "max" : "avg")pool \(k)/\(s)"
        case let .add(_, _, o): return "\(valueNames[o]) add"
        case let .addExtended(_, _, o, _): return "\(valueNames[o]) add (zero-extended)"
        case let .concat(_, o): return "\(valueNames[o]) concat"
        case let .globalAvgPool(_, o): return "\(valueNames[o])"
        }
    }
    public var nodeCount: Int { nodes.count }

    /// Whether `FastConvolution` kernels may run (`GraphBuilder.fastConvolutions`).
    let fastConvolutions: Bool
    /// `FastConvolution` weights by layer and kernel, made when a plan first needs them.
    private var fastCache: [Int: [FastConvolution.Kind: FastConvolution]] = [:]

    init(layers: [ConvLayer], packed: [PackedWeights?], nodes: [GraphNode], channels: [Int], names: [String], output: Int,
         fastConvolutions: Bool = false) throws {
        self.fastConvolutions = fastConvolutions
        precondition(layers.count == packed.count && zip(layers, packed).allSatisfy { ($0.kind == .conv) == ($1 != nil) },
                     "InferenceGraph: one packed matrix per .conv layer")
        self.specs = layers; self.packed = packed; self.nodes = nodes; self.channels = channels; self.valueNames = names; self.output = output
        var consumers = [Int](repeating: 0, count: channels.count)
        for node in nodes { for i in node.inputs { consumers[i] += 1 } }
        var parent = [Int: (Int, Int)]()
        var producer = [Int: GraphNode]()
        for node in nodes { producer[node.output] = node }
        for node in nodes {
            guard case let .concat(inputs, out) = node else { continue }
            var offset = 0
            for v in inputs {
                guard consumers[v] == 1, parent[v] == nil else {
                    throw EngineError.badGraph("concat \(names[out]): input \(names[v]) is used elsewhere")
                }
                switch producer[v] {
                case .conv(let l, _, _) where layers[l].kind == .conv: break
                case .pool, .concat: break
                default: throw EngineError.badGraph("concat \(names[out]): input \(names[v]) cannot write into a slice")
                }
                parent[v] = (out, offset)
                offset += channels[v]
            }
        }
        concatParent = parent

        // Residual adds fused into the convolution that produces one of their operands: that
        // convolution then writes the sum straight into the add's output.
        var producerNode = [Int: Int]()
        for (i, node) in nodes.enumerated() { producerNode[node.output] = i }
        var fused = [Int: (add: Int, residual: Int, output: Int)]()
        for (j, node) in nodes.enumerated() {
            guard case let .add(a, b, o) = node else { continue }
            for (x, y) in [(a, b), (b, a)] {
                guard let i = producerNode[x], case let .conv(l, _, _) = nodes[i], layers[l].kind == .conv,
                      consumers[x] == 1, parent[x] == nil, (producerNode[y] ?? -1) < i, fused[i] == nil else { continue }
                fused[i] = (j, y, o)
                break
            }
        }
        fusedAdd = fused
        depthwisePacked = layers.map { L in
            guard L.kind == .depthwise, L.kernelHeight == 3, L.kernelWidth == 3 else { return nil }
            return PackedDepthwise3x3(weights: L.weights, bias: L.bias, channels: L.outChannels)
        }
    }

    /// The `FastConvolution` of layer `l` at geometry `g`, or nil for the packed GEMM.
    func fastConvolution(layer l: Int, geometry g: ConvGeometry) -> FastConvolution? {
        guard fastConvolutions, let kind = FastConvolution.kind(for: specs[l], geometry: g) else { return nil }
        if let f = fastCache[l]?[kind] { return f }
        let f = FastConvolution(layer(l), kind: kind)
        fastCache[l, default: [:]][kind] = f
        return f
    }

    /// The value with this name (a layer name, "input", or a concatenation's name).
    public func value(named name: String) -> Int? { valueNames.firstIndex(of: name) }
    public func channels(of value: Int) -> Int { channels[value] }

    /// Spatial size of every value for an input of `height × width`.
    func spatialSizes(height: Int, width: Int) throws -> [(h: Int, w: Int)] {
        var size = [(h: Int, w: Int)](repeating: (0, 0), count: channels.count)
        size[0] = (height, width)
        for node in nodes {
            let (h, w) = size[node.inputs[0]]
            func window(_ k: (Int, Int), _ s: Int, _ p: Padding, _ what: String) throws -> (Int, Int) {
                let over: (Int, Int, Int) -> Bool = { n, k, before in n + before < k }
                var pt = 0, pl = 0, pb = 0, pr = 0
                if case let .explicit(t, l, b, r) = p { pt = t; pl = l; pb = b; pr = r }
                if p == .valid || pt + pl + pb + pr > 0 {
                    if over(h, k.0, pt + pb) || over(w, k.1, pl + pr) {
                        throw EngineError.badInput("input \(height)×\(width) is too small: \(what) gets a \(h)×\(w) map")
                    }
                }
                let g = ConvGeometry(batch: 1, inHeight: h, inWidth: w, inChannels: 1, outChannels: 1,
                                     kernelHeight: k.0, kernelWidth: k.1, strideHeight: s, strideWidth: s, padding: p)
                return (g.outHeight, g.outWidth)
            }
            switch node {
            case let .conv(l, _, o):
                let L = specs[l]
                size[o] = try window((L.kernelHeight, L.kernelWidth), L.strideHeight, L.padding, L.name)
            case let .pool(_, k, s, p, _, o):
                size[o] = try window((k, k), s, p, valueNames[o])
            case let .add(a, b, o):
                guard size[a] == size[b] else { throw EngineError.badGraph("add \(valueNames[o]): sizes differ") }
                size[o] = size[a]
            case let .addExtended(a, b, o, _):
                size[o] = (max(size[a].h, size[b].h), max(size[a].w, size[b].w))
            case let .concat(xs, o):
                guard xs.allSatisfy({ size[$0] == size[xs[0]] }) else {
                    throw EngineError.badInput("input \(height)×\(width): concat \(valueNames[o]) gets maps of different sizes")
                }
                size[o] = size[xs[0]]
            case let .globalAvgPool(_, o):
                size[o] = (1, 1)
            }
        }
        return size
    }

    /// Multiply-accumulates of one forward of one image (convolutions only, as papers count them).
    public func macs(height: Int, width: Int) throws -> Int {
        let size = try spatialSizes(height: height, width: width)
        var total = 0
        for node in nodes {
            if case let .conv(l, _, o) = node { total += size[o].h * size[o].w * specs[l].macsPerPosition }
        }
        return total
    }

    /// Parameters (folded) of every convolution.
    public var parameterCount: Int {
        zip(specs, packed).reduce(0) { $0 + ($1.1.map { $0.matrix.k * $0.matrix.n } ?? $1.0.weights.count) + $1.0.bias.count }
    }

    /// Plans buffers for `[batch, height, width, C]` inputs (done by `forward` when the shape changes).
    public func prepare(batch: Int, height: Int, width: Int) throws {
        _ = try plan(batch: batch, height: height, width: width)
    }

    private func plan(batch: Int, height: Int, width: Int) throws -> Plan {
        let key = [batch, height, width, ThreadPool.shared.threadCount]
        if let p = plans[key] { return p }
        if plans.count >= 3 { plans.removeAll() }  // free old buffers before allocating new ones
        let p = try Plan(graph: self, batch: batch, height: height, width: width, threads: key[3])
        plans[key] = p
        return p
    }

    /// Runs the graph. `input` is `[batch, height, width, inputChannels]` (already normalised);
    /// `output` receives the output value `[batch, outH, outW, C]` (`[batch, C]` after global pooling).
    /// `taps` (value → buffer of the value's full size) receive copies of intermediate maps.
    public func forward(input: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
                        output: UnsafeMutablePointer<Float>, taps: [Int: UnsafeMutablePointer<Float>] = [:]) throws {
        try plan(batch: batch, height: height, width: width).run(graph: self, input: input, output: output, taps: taps, seconds: &nodeSeconds)
    }

    /// Element count of `value` for one image of `height × width`.
    public func elementCount(of value: Int, height: Int, width: Int) throws -> Int {
        let s = try spatialSizes(height: height, width: width)[value]
        return s.h * s.w * channels[value]
    }

    /// Spatial size of `value` for an input of `height × width`.
    public func spatialSize(of value: Int, height: Int, width: Int) throws -> (height: Int, width: Int) {
        let s = try spatialSizes(height: height, width: width)[value]
        return (s.h, s.w)
    }
}
