"""Reader of dlib's binary serialisation (dlib/serialize.h, dlib/float_details.h) for the DNN files
dlib writes with `serialize(file) << net` — enough for networks of con/affine/relu/pool/add_prev/fc
layers such as `dlib_face_recognition_resnet_model_v1.dat`. Needs only numpy.

Encoding, as dlib writes it:
- integers (any width, signed or not): one byte holding the byte count in its low 4 bits and the
  sign in 0x80, then that many magnitude bytes, little-endian;
- floats and doubles: `float_details`, i.e. an int64 mantissa and an int16 exponent, each an integer
  as above, value = mantissa · 2^exponent (exponents 32000/32001/32002 mean +inf/−inf/NaN);
- strings: the length as an integer, then the bytes; bools: one ASCII byte '0' or '1';
- a tensor: version 2, then num_samples, k, nr, nc (integers), then its values as raw IEEE
  float32 little-endian (not float_details: only scalar floats use that);
  an alias_tensor: version 1, then its four dimensions (no data).

A network is written outermost layer first, but every wrapper writes its version and recurses
into its subnetwork before writing its own layer, so the file holds all the wrappers' versions,
then the input layer, then each layer's details in forward order, each followed by the
add_layer's bookkeeping (three bools and three tensors usually empty). Tags and skips write only
their version, so the file does not say where they are: the caller knows the architecture.
"""
import math

import numpy as np

SPECIAL_EXPONENTS = {32000: math.inf, 32001: -math.inf, 32002: math.nan}


class Reader:
    """Sequential reader over the bytes of a dlib-serialised file; every method raises ValueError
    naming the file and the offset when the bytes are not what is expected."""

    def __init__(self, data, name):
        self.data, self.name, self.pos = data, name, 0

    def fail(self, problem):
        raise ValueError(f"{self.name}: at byte {self.pos}: {problem}")

    def int(self):
        if self.pos >= len(self.data):
            self.fail("unexpected end of file")
        head = self.data[self.pos]
        size = head & 0x0F
        if size > 8 or head & 0x70:
            self.fail(f"byte 0x{head:02x} does not start an integer")
        value = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if head & 0x80 else value

    def float(self):
        mantissa, exponent = self.int(), self.int()
        if exponent in SPECIAL_EXPONENTS:
            return SPECIAL_EXPONENTS[exponent]
        return math.ldexp(mantissa, exponent)

    def string(self):
        n = self.int()
        text = self.data[self.pos:self.pos + n]
        if len(text) != n:
            self.fail("string runs past the end of the file")
        self.pos += n
        return text.decode("latin-1")

    def expect(self, *names):
        start, text = self.pos, self.string()
        if text not in names:
            self.pos = start
            self.fail(f"expected {' or '.join(names)}, found {text!r}")
        return text

    def bool(self):
        byte = self.data[self.pos:self.pos + 1]
        if byte not in (b"0", b"1"):
            self.fail(f"expected a bool ('0' or '1'), found {byte!r}")
        self.pos += 1
        return byte == b"1"

    def tensor(self):
        """A serialised resizable_tensor as a float32 array of shape (num_samples, k, nr, nc)."""
        if self.int() != 2:
            self.fail("unsupported tensor version")
        shape = tuple(self.int() for _ in range(4))
        n = 4 * int(np.prod(shape))
        if self.pos + n > len(self.data):
            self.fail(f"tensor {shape} runs past the end of the file")
        values = np.frombuffer(self.data, dtype="<f4", count=n // 4, offset=self.pos)
        self.pos += n
        return values.astype(np.float32).reshape(shape)

    def alias_tensor(self):
        if self.int() != 1:
            self.fail("unsupported alias_tensor version")
        return tuple(self.int() for _ in range(4))


def _bookkeeping(r):
    """add_layer's trailer after its layer details (add_layer version 2): setup flag, two state
    flags, then x_grad, cached_output and params_grad, empty in a file saved for inference."""
    for _ in range(3):
        r.bool()
    for _ in range(3):
        r.tensor()


def _layer(r):
    """One layer's details as a dict {type, …}, in dlib's own terms (filters OIHW, fc [in, out])."""
    kind = r.expect("con_4", "con_5", "affine_", "affine_2", "relu_", "max_pool_2", "avg_pool_2",
                    "add_prev_", "fc_2", "fc_3")
    if kind.startswith("con_"):
        params = r.tensor().ravel()
        num_filters, nr, nc, stride_y, stride_x, pad_y, pad_x = (r.int() for _ in range(7))
        filters, biases = r.alias_tensor(), r.alias_tensor()
        for _ in range(4):
            r.float()  # learning-rate and weight-decay multipliers
        use_bias = r.bool() if kind == "con_5" else True
        count = int(np.prod(filters))
        layer = dict(type="con", num_filters=num_filters, nr=nr, nc=nc, stride=(stride_y, stride_x),
                     padding=(pad_y, pad_x), filters=params[:count].reshape(filters))
        if use_bias:
            layer["bias"] = params[count:count + num_filters]
        if params.size != count + (num_filters if use_bias else 0):
            r.fail(f"con params hold {params.size} values, not filters {filters} + biases")
        return layer
    if kind.startswith("affine_"):
        params = r.tensor().ravel()
        gamma, beta = r.alias_tensor(), r.alias_tensor()
        mode = r.int()
        disabled = r.bool() if kind == "affine_2" else False
        n = int(np.prod(gamma))
        return dict(type="affine", mode=mode, disabled=disabled, gamma=params[:n], beta=params[n:n + int(np.prod(beta))])
    if kind in ("max_pool_2", "avg_pool_2"):
        nr, nc, stride_y, stride_x, pad_y, pad_x = (r.int() for _ in range(6))
        return dict(type=kind[:-2], nr=nr, nc=nc, stride=(stride_y, stride_x), padding=(pad_y, pad_x))
    if kind.startswith("fc_"):
        num_outputs, num_inputs = r.int(), r.int()
        params = r.tensor()
        weights, biases = r.alias_tensor(), r.alias_tensor()
        bias_mode = r.int()
        for _ in range(4):
            r.float()
        use_bias = r.bool() if kind == "fc_3" else True
        n = int(np.prod(weights))
        layer = dict(type="fc", num_inputs=num_inputs, num_outputs=num_outputs,
                     weights=params.ravel()[:n].reshape(num_inputs, num_outputs))
        if bias_mode == 0 and use_bias:
            layer["bias"] = params.ravel()[n:n + num_outputs]
        return layer
    return dict(type=kind.rstrip("_"))  # relu, add_prev: no parameters


def read_network(path):
    """(loss, input, layers) of a dlib DNN file: the loss and input layers' settings and the list of
    layer dicts in forward order (input side first)."""
    with open(path, "rb") as f:
        r = Reader(f.read(), path)
    if r.int() != 1:
        r.fail("not a dlib network (add_loss_layer version 1 expected)")
    loss_kind = r.expect("loss_metric_", "loss_metric_2")
    loss = dict(type="loss_metric", margin=r.float(), distance_threshold=r.float() if loss_kind == "loss_metric_2" else None)
    versions = []
    while True:  # the wrappers' versions (2 for add_layer, 3 for the one on the input, 1 for tags and skips)
        start = r.pos
        version = r.int()
        if version not in (1, 2, 3):
            r.pos = start
            break
        versions.append(version)
    kind = r.expect("input_rgb_image_sized")
    means = [r.float() for _ in range(3)]
    size = (r.int(), r.int())
    inp = dict(type=kind, mean_rgb=means, size=size)
    layers = []
    while r.pos < len(r.data):
        layers.append(_layer(r))
        _bookkeeping(r)
        if len(layers) == 1 and versions[-1] == 3:
            r.int()  # the add_layer on the input layer (version 3) ends with its sample expansion factor
    return loss, inp, layers
