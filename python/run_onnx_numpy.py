#!/usr/bin/python3
"""Run an ONNX graph with numpy, node by node: a slow, transparent stand-in for onnxruntime.

    run_onnx_numpy.py MODEL.onnx INPUT_DIR OUTPUT_DIR

Reads INPUT_DIR/<graph input>.npy, writes OUTPUT_DIR/<graph output>.npy. It covers the operators
torch.onnx.export emits for MobileBERT at opsets 11 to 17 (fixed or dynamic shapes) and nothing
more; any other operator is reported by node name. The point is to check that the exported graph,
not just the PyTorch module it came from, computes the reference outputs, without a runtime
that this machine does not have. It computes in the graph's own dtypes (float32), as a compiled
model would.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import mapping, numpy_helper


class UnsupportedNode(Exception):
    pass


def attributes_of(node):
    return {attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute}


def optional_input(values, index):
    """ONNX marks an omitted optional input by an empty name, or by leaving it off the end."""
    return values[index] if index < len(values) else None


def slice_bounds(start, end, step, size):
    """Python slice equivalent of one ONNX Slice axis, clamped the way the ONNX spec says."""
    if start < 0:
        start += size
    if end < 0:
        end += size
    if step > 0:
        start = min(max(start, 0), size)
        end = min(max(end, 0), size)
        return slice(start, end, step)
    start = min(max(start, 0), size - 1)
    end = min(max(end, -1), size - 1)
    # -1 here means "past the front"; as a Python stop it would mean the last element.
    return slice(start, None if end == -1 else end, step)


def run_slice(values):
    data, starts, ends = values[0], values[1], values[2]
    axes = optional_input(values, 3)
    steps = optional_input(values, 4)
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis = int(axis) % data.ndim
        index[axis] = slice_bounds(int(start), int(end), int(step), data.shape[axis])
    return data[tuple(index)]


def run_pad(values, attributes):
    data, pads = values[0], values[1].astype(np.int64)
    constant = optional_input(values, 2)
    if attributes.get("mode", b"constant") not in (b"constant", "constant"):
        raise UnsupportedNode(f"Pad mode {attributes['mode']}")
    fill = 0 if constant is None else constant.item()
    rank = data.ndim
    begins, ends = pads[:rank], pads[rank:]
    # Negative pads crop; positive pads extend with the constant.
    crop = tuple(slice(max(-b, 0), data.shape[axis] - max(-e, 0)) for axis, (b, e) in enumerate(zip(begins, ends)))
    extend = [(max(b, 0), max(e, 0)) for b, e in zip(begins, ends)]
    return np.pad(data[crop], extend, mode="constant", constant_values=fill)


def axes_argument(values, attributes, opset, first_opset_with_input):
    """Unsqueeze, Squeeze and friends moved `axes` from an attribute to an input at opset 13."""
    if opset >= first_opset_with_input:
        axes = optional_input(values, 1)
        return None if axes is None else [int(axis) for axis in axes]
    return attributes.get("axes")


def run_unsqueeze(values, attributes, opset):
    data = values[0]
    axes = axes_argument(values, attributes, opset, 13)
    result_rank = data.ndim + len(axes)
    for axis in sorted(axis % result_rank for axis in axes):
        data = np.expand_dims(data, axis)
    return data


def run_squeeze(values, attributes, opset):
    axes = axes_argument(values, attributes, opset, 13)
    return np.squeeze(values[0], axis=None if axes is None else tuple(axes))


def run_split(values, attributes, opset, output_count):
    data = values[0]
    axis = attributes.get("axis", 0) % data.ndim
    sizes = optional_input(values, 1) if opset >= 13 else attributes.get("split")
    if sizes is None:
        sizes = [data.shape[axis] // output_count] * output_count
    offsets = np.cumsum([0] + [int(size) for size in sizes])
    return [np.take(data, range(offsets[i], offsets[i + 1]), axis=axis) for i in range(output_count)]


def run_softmax(values, attributes, opset):
    data = values[0]
    if opset >= 13:
        axis = attributes.get("axis", -1)
        shifted = np.exp(data - data.max(axis=axis, keepdims=True))
        return shifted / shifted.sum(axis=axis, keepdims=True)
    # Before opset 13 Softmax flattened the input to 2-D at `axis` (default 1) and normalised rows.
    axis = attributes.get("axis", 1) % data.ndim
    rows = data.reshape(int(np.prod(data.shape[:axis])), -1)
    shifted = np.exp(rows - rows.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).reshape(data.shape)


def run_reshape(values, attributes):
    data, shape = values[0], [int(extent) for extent in values[1]]
    if not attributes.get("allowzero", 0):
        # 0 copies the input's extent on that axis.
        shape = [data.shape[axis] if extent == 0 else extent for axis, extent in enumerate(shape)]
    return data.reshape(shape)


def run_gemm(values, attributes):
    a, b = values[0], values[1]
    c = optional_input(values, 2)
    if attributes.get("transA", 0):
        a = a.T
    if attributes.get("transB", 0):
        b = b.T
    result = attributes.get("alpha", 1.0) * (a @ b)
    if c is not None:
        result = result + attributes.get("beta", 1.0) * c
    return result.astype(a.dtype)


def run_shape(values, attributes):
    shape = np.array(values[0].shape, dtype=np.int64)
    return shape[attributes.get("start", 0):attributes.get("end", None)]


def run_constant(attributes):
    if "value" in attributes:
        return numpy_helper.to_array(attributes["value"])
    for name, dtype in (("value_float", np.float32), ("value_int", np.int64),
                        ("value_floats", np.float32), ("value_ints", np.int64)):
        if name in attributes:
            return np.array(attributes[name], dtype=dtype)
    raise UnsupportedNode(f"Constant with attributes {sorted(attributes)}")


def run_constant_of_shape(values, attributes):
    fill = numpy_helper.to_array(attributes["value"]) if "value" in attributes else np.zeros(1, np.float32)
    return np.full([int(extent) for extent in values[0]], fill.reshape(-1)[0], dtype=fill.dtype)


def run_div(values):
    a, b = values
    if np.issubdtype(a.dtype, np.integer):
        # ONNX integer Div truncates toward zero; numpy's // floors.
        return (np.abs(a) // np.abs(b) * np.sign(a) * np.sign(b)).astype(a.dtype)
    return a / b


ELEMENTWISE = {
    "Add": lambda values: values[0] + values[1],
    "Sub": lambda values: values[0] - values[1],
    "Mul": lambda values: values[0] * values[1],
    "Div": run_div,
    "MatMul": lambda values: np.matmul(values[0], values[1]),
    "Relu": lambda values: np.maximum(values[0], np.zeros((), values[0].dtype)),
    "Sqrt": lambda values: np.sqrt(values[0]),
    "Neg": lambda values: -values[0],
    "Equal": lambda values: np.equal(values[0], values[1]),
    "Less": lambda values: np.less(values[0], values[1]),
    "Not": lambda values: np.logical_not(values[0]),
    "Where": lambda values: np.where(values[0], values[1], values[2]),
    "Identity": lambda values: values[0],
    "Expand": lambda values: values[0] * np.ones([int(extent) for extent in values[1]], values[0].dtype),
    "Range": lambda values: np.arange(values[0], values[1], values[2], dtype=values[0].dtype),
}


def run_node(node, values, opset):
    kind = node.op_type
    attributes = attributes_of(node)
    if node.domain not in ("", "ai.onnx"):
        raise UnsupportedNode(f"domain {node.domain!r}")
    if kind in ELEMENTWISE:
        return [ELEMENTWISE[kind](values)]
    if kind == "Constant":
        return [run_constant(attributes)]
    if kind == "ConstantOfShape":
        return [run_constant_of_shape(values, attributes)]
    if kind == "Cast":
        return [values[0].astype(mapping.TENSOR_TYPE_TO_NP_TYPE[attributes["to"]])]
    if kind == "Gather":
        axis = attributes.get("axis", 0)
        indices = values[1]
        if np.any(indices >= values[0].shape[axis]) or np.any(indices < -values[0].shape[axis]):
            raise IndexError(f"Gather index out of range in {node.name}")
        return [np.take(values[0], indices, axis=axis)]
    if kind == "Slice":
        return [run_slice(values)]
    if kind == "Pad":
        return [run_pad(values, attributes)]
    if kind == "Concat":
        return [np.concatenate(values, axis=attributes["axis"])]
    if kind == "Transpose":
        return [np.transpose(values[0], attributes.get("perm"))]
    if kind == "Reshape":
        return [run_reshape(values, attributes)]
    if kind == "Unsqueeze":
        return [run_unsqueeze(values, attributes, opset)]
    if kind == "Squeeze":
        return [run_squeeze(values, attributes, opset)]
    if kind == "Split":
        return run_split(values, attributes, opset, len(node.output))
    if kind == "Softmax":
        return [run_softmax(values, attributes, opset)]
    if kind == "Gemm":
        return [run_gemm(values, attributes)]
    if kind == "Shape":
        return [run_shape(values, attributes)]
    raise UnsupportedNode(kind)


def run_graph(model, feeds):
    """Returns {graph output name: array} for the given {graph input name: array}."""
    opset = next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))
    if opset < 11:
        # Slice and Pad take attributes before opset 11 (10 for Slice); this checker
        # accepts the input forms only, like the exporter's supported opsets.
        raise SystemExit(f"error: opset {opset} is older than 11, the oldest supported")
    values = {initializer.name: numpy_helper.to_array(initializer) for initializer in model.graph.initializer}
    values.update(feeds)
    # Nodes are in topological order in any valid ONNX graph, so one pass suffices.
    for node in model.graph.node:
        inputs = [values[name] if name else None for name in node.input]
        while inputs and inputs[-1] is None:
            inputs.pop()
        try:
            outputs = run_node(node, inputs, opset)
        except UnsupportedNode as error:
            raise SystemExit(f"error: node {node.name!r} ({node.op_type}, opset {opset}) not supported: {error}")
        for name, array in zip(node.output, outputs):
            values[name] = np.asarray(array)
    return {output.name: values[output.name] for output in model.graph.output}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("input_dir")
    parser.add_argument("output_dir")
    arguments = parser.parse_args(argv)

    model = onnx.load(arguments.model)
    initializer_names = {initializer.name for initializer in model.graph.initializer}
    feeds = {}
    for graph_input in model.graph.input:
        if graph_input.name not in initializer_names:
            feeds[graph_input.name] = np.load(os.path.join(arguments.input_dir, graph_input.name + ".npy"))
    os.makedirs(arguments.output_dir, exist_ok=True)
    for name, array in run_graph(model, feeds).items():
        np.save(os.path.join(arguments.output_dir, name + ".npy"), array)
        print(f"{name}: {array.dtype}{list(array.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
