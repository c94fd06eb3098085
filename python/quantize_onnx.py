#!/usr/bin/python3
"""Rewrite every MatMul with a constant 2-D weight into an int8 form ONNX Runtime runs.

    quantize_onnx.py IN.onnx OUT.onnx --format dynamic|qdq [--per-channel] [--calibration DIR]

--format dynamic: ONNX Runtime's dynamic quantization pattern, as its quantize_dynamic writes it
for MatMul:
    A --DynamicQuantizeLinear--> (A_q uint8, A_scale, A_zero_point)
    MatMulInteger(A_q, W_q int8, A_zero_point, W_zero_point) --Cast(float)--> Mul(A_scale * W_scale)
The activation gets one scale per run from its own range; ONNX Runtime fuses the chain into
DynamicQuantizeMatMul (plus the bias Add). No calibration is needed.

--format qdq: QuantizeLinear/DequantizeLinear pairs around the float MatMul, ONNX Runtime's static
form: the activation is quantized to uint8 with a fixed scale and zero point, calibrated as the
min/max (widened to include 0) of that tensor over the calibration inputs, which the float model
computes here in numpy (run_onnx_numpy.py); the weight is stored int8 and dequantized.

Weights are symmetric int8 in [-127, 127] (or [-63, 63] with --reduce-range) with zero point 0 (or,
with --weight-type uint8, the same levels as uint8 with zero point 128), one
scale for the whole tensor or, with --per-channel, one per output column (a 1-D zero point for MatMulInteger, axis=1 for
DequantizeLinear, which needs opset 13). Activations shared by several MatMuls (Q and K read one
bottleneck) are quantized once. MatMuls of two activations (attention scores) stay float.

The output embeds its weights when they total under 2 GB (protobuf's limit), else it writes them
to OUT.onnx.data beside it. Inputs with external data are read through onnx.load.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import run_onnx_numpy

# Protobuf refuses to serialize a message of 2 GiB or more; keep a margin for the graph itself.
EMBEDDED_WEIGHT_LIMIT = 2**31 - 64 * 2**20
INT8_WEIGHT_LIMIT = 127
# With --reduce-range: u8 x s8 products summed in pairs stay within int16 (2 * 255 * 63 = 32130), so
# x86 kernels without VNNI, whose vpmaddubsw saturates pairs at 32767, compute them exactly.
REDUCED_WEIGHT_LIMIT = 63
DEFAULT_CALIBRATION_SAMPLES = 16


class QuantizeError(Exception):
    pass


def quantize_weight(weight, per_channel, limit=INT8_WEIGHT_LIMIT, unsigned=False):
    """Symmetric int8 weights in [-limit, limit]: returns (int8 values, float32 scale, int8 zero point).

    Scale and zero point are scalars, or 1-D over the output columns (axis 1) with per_channel.
    With `unsigned` the same levels are stored as uint8 with zero point 128.
    """
    magnitude = np.abs(weight).max(axis=0) if per_channel else np.abs(weight).max()
    # An all-zero column quantizes to zeros under any scale; 1 keeps the division defined.
    scale = np.where(magnitude > 0, magnitude / limit, 1.0).astype(np.float32)
    values = np.clip(np.rint(weight / scale), -limit, limit).astype(np.int8)
    if unsigned:
        return (values.astype(np.int16) + 128).astype(np.uint8), scale, np.full(scale.shape, 128, np.uint8)
    return values, scale, np.zeros(scale.shape, dtype=np.int8)


def uint8_activation_parameters(low, high):
    """Asymmetric uint8 scale and zero point for the range [low, high], widened to include 0
    so that zero (padding, ReLU outputs) is exact, as DynamicQuantizeLinear does at run time."""
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    scale = (high - low) / 255.0 if high > low else 1.0
    zero_point = int(np.clip(np.rint(-low / scale), 0, 255))
    return np.array(scale, dtype=np.float32), np.array(zero_point, dtype=np.uint8)


def quantizable_matmuls(model):
    """MatMul nodes whose second operand is a float32 2-D initializer: [(node, weight name)]."""
    initializers = {initializer.name: initializer for initializer in model.graph.initializer}
    found = []
    for node in model.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in initializers:
            continue
        weight = initializers[node.input[1]]
        if len(weight.dims) == 2 and weight.data_type == TensorProto.FLOAT:
            found.append((node, node.input[1]))
    return found


def opset_of(model):
    return next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))


def read_calibration_feeds(directory, input_names, limit):
    """Feeds from DIR/<input>.npy (one sample, an export's inputs/) or DIR/*/<input>.npy (the
    sample folders fidelity.py generates); at most `limit` samples."""
    def feeds_in(folder):
        paths = {name: os.path.join(folder, name + ".npy") for name in input_names}
        if not all(os.path.exists(path) for path in paths.values()):
            return None
        return {name: np.load(path) for name, path in paths.items()}

    single = feeds_in(directory)
    if single is not None:
        return [single]
    samples = []
    for entry in sorted(os.listdir(directory)):
        folder = os.path.join(directory, entry)
        feeds = feeds_in(folder) if os.path.isdir(folder) else None
        if feeds is not None:
            samples.append(feeds)
        if len(samples) == limit:
            break
    if not samples:
        raise QuantizeError(f"{directory}: no {', '.join(n + '.npy' for n in input_names)} in it or in "
                            f"its subfolders")
    return samples


def calibrate_activation_ranges(model, activation_names, samples):
    """{activation name: (min, max)} over the samples, running the float graph in numpy."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    probe.graph.output.extend(helper.make_empty_tensor_value_info(name) for name in activation_names)
    ranges = {}
    for feeds in samples:
        for name, value in run_onnx_numpy.run_graph(probe, feeds).items():
            low, high = float(value.min()), float(value.max())
            if name in ranges:
                low, high = min(low, ranges[name][0]), max(high, ranges[name][1])
            ranges[name] = (low, high)
    return ranges


def quantize(model, quantization_format, per_channel, activation_ranges=None, weight_limit=INT8_WEIGHT_LIMIT,
             unsigned_weights=False):
    """Rewrites `model` in place; returns the number of MatMuls quantized."""
    matmuls = quantizable_matmuls(model)
    if not matmuls:
        raise QuantizeError("no MatMul with a constant 2-D float weight: nothing to quantize")
    if quantization_format == "qdq" and per_channel and opset_of(model) < 13:
        raise QuantizeError(f"per-channel QDQ needs DequantizeLinear's axis (opset 13); the model is "
                            f"opset {opset_of(model)}")
    graph = model.graph
    initializers = {initializer.name: initializer for initializer in graph.initializer}
    new_initializers = []
    # Per weight and per activation: the names of their quantized forms, made once and shared.
    quantized_weights = {}
    quantized_activations = {}
    replacements = {}

    def add_constant(name, array):
        new_initializers.append(numpy_helper.from_array(array, name))
        return name

    def weight_operands(weight_name):
        if weight_name not in quantized_weights:
            values, scale, zero_point = quantize_weight(numpy_helper.to_array(initializers[weight_name]),
                                                        per_channel, weight_limit, unsigned_weights)
            quantized_weights[weight_name] = (add_constant(weight_name + "_quantized", values),
                                              add_constant(weight_name + "_scale", scale),
                                              add_constant(weight_name + "_zero_point", zero_point))
        return quantized_weights[weight_name]

    for node, weight_name in matmuls:
        activation = node.input[0]
        output = node.output[0]
        weight_q, weight_scale, weight_zero_point = weight_operands(weight_name)
        prefix = node.name or output
        emitted = []
        if quantization_format == "dynamic":
            if activation not in quantized_activations:
                names = tuple(f"{activation}_{suffix}" for suffix in ("quantized", "scale", "zero_point"))
                emitted.append(helper.make_node("DynamicQuantizeLinear", [activation], list(names),
                                                name=f"{activation}_DynamicQuantizeLinear"))
                quantized_activations[activation] = names
            activation_q, activation_scale, activation_zero_point = quantized_activations[activation]
            emitted += [
                helper.make_node("MatMulInteger", [activation_q, weight_q, activation_zero_point, weight_zero_point],
                                 [output + "_int32"], name=prefix + "_MatMulInteger"),
                helper.make_node("Cast", [output + "_int32"], [output + "_int32_float"], to=TensorProto.FLOAT,
                                 name=prefix + "_Cast"),
                helper.make_node("Mul", [activation_scale, weight_scale], [prefix + "_scales"],
                                 name=prefix + "_scales_Mul"),
                helper.make_node("Mul", [output + "_int32_float", prefix + "_scales"], [output],
                                 name=prefix + "_Mul"),
            ]
        else:
            if activation not in quantized_activations:
                scale, zero_point = uint8_activation_parameters(*activation_ranges[activation])
                scale_name = add_constant(activation + "_scale", scale)
                zero_point_name = add_constant(activation + "_zero_point", zero_point)
                emitted += [
                    helper.make_node("QuantizeLinear", [activation, scale_name, zero_point_name],
                                     [activation + "_quantized"], name=activation + "_QuantizeLinear"),
                    helper.make_node("DequantizeLinear", [activation + "_quantized", scale_name, zero_point_name],
                                     [activation + "_dequantized"], name=activation + "_DequantizeLinear"),
                ]
                quantized_activations[activation] = activation + "_dequantized"
            weight_attributes = {"axis": 1} if per_channel else {}
            emitted += [
                helper.make_node("DequantizeLinear", [weight_q, weight_scale, weight_zero_point],
                                 [prefix + "_weight_dequantized"], name=prefix + "_weight_DequantizeLinear",
                                 **weight_attributes),
                helper.make_node("MatMul", [quantized_activations[activation], prefix + "_weight_dequantized"],
                                 [output], name=node.name),
            ]
        replacements[id(node)] = emitted

    rewritten = []
    for node in graph.node:
        rewritten.extend(replacements.get(id(node), [node]))
    del graph.node[:]
    graph.node.extend(rewritten)

    still_used = {name for node in graph.node for name in node.input}
    kept = [initializer for initializer in graph.initializer
            if initializer.name not in quantized_weights or initializer.name in still_used]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_initializers)
    return len(matmuls)


def load_model(path):
    if not os.path.isfile(path):
        raise QuantizeError(f"{path}: no such file")
    try:
        return onnx.load(path)
    except Exception as error:  # protobuf's DecodeError and external-data OSErrors alike
        raise QuantizeError(f"{path}: not a readable ONNX model ({error})")


def save_model(model, path):
    """Embeds the weights when protobuf can hold them, else writes PATH.data beside PATH."""
    weight_bytes = sum(initializer.ByteSize() for initializer in model.graph.initializer)
    if weight_bytes < EMBEDDED_WEIGHT_LIMIT:
        onnx.save(model, path)
    else:
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=os.path.basename(path) + ".data", size_threshold=1024)
    # The path form lets the checker read models above 2 GB, and checks the bytes written.
    onnx.checker.check_model(path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="float32 ONNX model")
    parser.add_argument("output", help="quantized ONNX model to write")
    parser.add_argument("--format", choices=("dynamic", "qdq"), required=True,
                        help="dynamic: DynamicQuantizeLinear + MatMulInteger; qdq: calibrated Q/DQ pairs")
    parser.add_argument("--per-channel", action="store_true",
                        help="one weight scale per output column instead of one per tensor")
    parser.add_argument("--reduce-range", action="store_true",
                        help=f"7-bit weights in [-{REDUCED_WEIGHT_LIMIT}, {REDUCED_WEIGHT_LIMIT}]: exact on x86 "
                             f"without VNNI, where uint8 x int8 pair sums saturate at int16")
    parser.add_argument("--weight-type", choices=("int8", "uint8"), default="int8",
                        help="uint8: the same weight levels stored as uint8 with zero point 128")
    parser.add_argument("--calibration", metavar="DIR",
                        help="qdq only: inputs to calibrate activation ranges on, as DIR/<input>.npy or "
                             "DIR/<sample>/<input>.npy (default: the inputs/ folder beside IN.onnx, "
                             "which mbert_export.py writes)")
    parser.add_argument("--calibration-samples", type=int, default=DEFAULT_CALIBRATION_SAMPLES, metavar="N",
                        help=f"qdq only: use at most N samples of DIR (default {DEFAULT_CALIBRATION_SAMPLES})")
    arguments = parser.parse_args(argv)
    if arguments.format == "dynamic" and arguments.calibration:
        parser.error("--calibration is for --format qdq; dynamic quantization measures ranges at run time")

    try:
        model = load_model(arguments.input)
        activation_ranges = None
        if arguments.format == "qdq":
            directory = arguments.calibration or os.path.join(os.path.dirname(os.path.abspath(arguments.input)),
                                                              "inputs")
            if not os.path.isdir(directory):
                raise QuantizeError(f"{directory}: no calibration folder (give --calibration DIR)")
            initializer_names = {initializer.name for initializer in model.graph.initializer}
            input_names = [value.name for value in model.graph.input if value.name not in initializer_names]
            samples = read_calibration_feeds(directory, input_names, arguments.calibration_samples)
            activations = sorted({node.input[0] for node, _ in quantizable_matmuls(model)})
            activation_ranges = calibrate_activation_ranges(model, activations, samples)
        count = quantize(model, arguments.format, arguments.per_channel, activation_ranges,
                         REDUCED_WEIGHT_LIMIT if arguments.reduce_range else INT8_WEIGHT_LIMIT,
                         arguments.weight_type == "uint8")
        save_model(model, arguments.output)
    except QuantizeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    weights = ("per-channel" if arguments.per_channel else "per-tensor") + (" 7-bit" if arguments.reduce_range else "")
    print(f"{arguments.output}: {count} MatMuls quantized ({arguments.format}, {weights} {arguments.weight_type} "
          f"weights), "
          f"{os.path.getsize(arguments.output) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
