#!/usr/bin/python3
"""Quantization operators compiled by mbert against ONNX Runtime, bit for bit.

    quant_ops_check.py --compiler mbert-compile --work DIR --ort-modules NODE_MODULES
                       [--target aarch64-linux-gnu --run-prefix qemu-aarch64]

Builds one small model per case (QuantizeLinear and DequantizeLinear per tensor and per axis,
int8 and uint8, with and without zero points; DynamicQuantizeLinear; MatMulInteger with uint8
and int8 operands, scalar and per-column zero points, a batched A), with inputs chosen to hit
the corners of the integer semantics: values exactly halfway between two steps (ONNX rounds
half to even), values that saturate, infinities, the whole uint8 and int8 ranges. ONNX Runtime
(onnxruntime-node through bench/ort_run.js) and the mbert-compiled runner compute every case on
the same inputs; their outputs must be identical: integer outputs exactly, float outputs bit for
bit (each float result is one rounding of an exact integer, or of one division, in both).

MatMulInteger results are also checked against numpy's exact integer product. One case
(uint8 x int8 over the full int8 range) is checked against numpy only: ONNX Runtime's kernel for
it saturates on x86 hosts without VNNI (see the case).

Every operand is a graph input or an initializer that no mbert pass rewrites, so these cases
exercise the generic lowering. Prints one line per case and exits 1 when any case differs.
"""

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_RUNNER = os.path.join(ROOT, "bench", "ort_run.js")
ONNX_TYPES = {np.float32: TensorProto.FLOAT, np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8,
              np.int32: TensorProto.INT32}


def ties(scale, count, start):
    """Values that fall exactly halfway between quantization steps (and on them)."""
    return (np.arange(start, start + count, dtype=np.float32) * np.float32(scale / 2)).astype(np.float32)


def cases(random):
    """(name, nodes, {input: array}, {initializer: array}, [(output, numpy dtype)])."""
    normal = lambda *shape: (random.standard_normal(shape) * 3).astype(np.float32)
    extremes = np.array([np.inf, -np.inf, 1e30, -1e30, 0.0, -0.0], dtype=np.float32)
    yield ("quantize_per_tensor_uint8",
           [helper.make_node("QuantizeLinear", ["x", "scale", "zero_point"], ["y"])],
           {"x": np.concatenate([ties(0.5, 300, -280), extremes]).reshape(6, 51)},
           {"scale": np.array(0.5, np.float32), "zero_point": np.array(128, np.uint8)},
           [("y", np.uint8)])
    yield ("quantize_per_axis_int8",
           [helper.make_node("QuantizeLinear", ["x", "scale", "zero_point"], ["y"], axis=1)],
           {"x": np.concatenate([ties(0.25, 60, -30), normal(60) * 40]).reshape(4, 3, 10)},
           {"scale": np.array([0.25, 0.125, 2.0], np.float32), "zero_point": np.array([-3, 0, 7], np.int8)},
           [("y", np.int8)])
    yield ("quantize_without_zero_point",
           [helper.make_node("QuantizeLinear", ["x", "scale"], ["y"])],
           {"x": np.concatenate([ties(0.05, 30, -5), extremes])},
           {"scale": np.array(0.05, np.float32)},
           [("y", np.uint8)])
    yield ("dequantize_per_tensor_uint8",
           [helper.make_node("DequantizeLinear", ["x", "scale", "zero_point"], ["y"])],
           {"x": np.arange(256, dtype=np.uint8).reshape(16, 16)},
           {"scale": np.array(0.0173, np.float32), "zero_point": np.array(131, np.uint8)},
           [("y", np.float32)])
    yield ("dequantize_per_axis_int8",
           [helper.make_node("DequantizeLinear", ["x", "scale", "zero_point"], ["y"], axis=0)],
           {"x": np.arange(-128, 128, dtype=np.int32).astype(np.int8).reshape(4, 64)},
           {"scale": np.array([0.5, 0.01, 3.0, 1e-3], np.float32),
            "zero_point": np.array([0, -128, 127, 5], np.int8)},
           [("y", np.float32)])
    yield ("dequantize_int32",
           [helper.make_node("DequantizeLinear", ["x", "scale"], ["y"])],
           {"x": np.array([-2**31, -7, 0, 9, 2**31 - 1, 123456789], np.int32)},
           {"scale": np.array(0.0625, np.float32)},
           [("y", np.float32)])
    for name, values in (("mixed", normal(5, 7)), ("positive", np.abs(normal(5, 7)) + 1),
                         ("negative", -np.abs(normal(5, 7)) - 1)):
        yield (f"dynamic_quantize_{name}",
               [helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zero_point"])],
               {"x": values}, {},
               [("y", np.uint8), ("y_scale", np.float32), ("y_zero_point", np.uint8)])
    # B in 7 bits: ONNX Runtime's uint8 x int8 kernel on x86 without VNNI adds pairs of products in
    # int16 with saturation (vpmaddubsw), exact only while 2 * 255 * |b| fits int16 (the reason for
    # quantize_onnx.py --reduce-range). The next case has the full range, checked against numpy.
    yield ("matmul_integer_uint8_int8_batched",
           [helper.make_node("MatMulInteger", ["a", "b", "a_zero_point", "b_zero_point"], ["y"])],
           {"a": random.integers(0, 256, (2, 5, 33), dtype=np.uint8),
            "b": random.integers(-64, 64, (33, 7), dtype=np.int8)},
           {"a_zero_point": np.array(121, np.uint8), "b_zero_point": np.array(-4, np.int8)},
           [("y", np.int32)])
    yield ("matmul_integer_uint8_int8_full_range",
           [helper.make_node("MatMulInteger", ["a", "b", "a_zero_point", "b_zero_point"], ["y"])],
           {"a": random.integers(0, 256, (5, 33), dtype=np.uint8),
            "b": random.integers(-128, 128, (33, 7), dtype=np.int8)},
           {"a_zero_point": np.array(121, np.uint8), "b_zero_point": np.array(-4, np.int8)},
           [("y", np.int32)])
    yield ("matmul_integer_uint8_per_column",
           [helper.make_node("MatMulInteger", ["a", "b", "a_zero_point", "b_zero_point"], ["y"])],
           {"a": random.integers(0, 256, (6, 16), dtype=np.uint8),
            "b": random.integers(0, 256, (16, 5), dtype=np.uint8)},
           {"a_zero_point": np.array(3, np.uint8),
            "b_zero_point": np.array([0, 128, 255, 7, 64], np.uint8)},
           [("y", np.int32)])
    yield ("matmul_integer_int8_no_zero_point",
           [helper.make_node("MatMulInteger", ["a", "b"], ["y"])],
           {"a": random.integers(-128, 128, (4, 64), dtype=np.int8),
            "b": random.integers(-128, 128, (64, 3), dtype=np.int8)},
           {}, [("y", np.int32)])
    # The dynamic pattern with both operands from graph inputs: no mbert pass raises it.
    yield ("dynamic_matmul_chain",
           [helper.make_node("DynamicQuantizeLinear", ["x"], ["x_q", "x_scale", "x_zero_point"]),
            helper.make_node("MatMulInteger", ["x_q", "w", "x_zero_point"], ["product"]),
            helper.make_node("Cast", ["product"], ["product_f32"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["product_f32", "x_scale"], ["y"])],
           {"x": normal(3, 20), "w": random.integers(0, 256, (20, 6), dtype=np.uint8)},
           {}, [("y", np.float32)])


def matmul_integer_reference(nodes, inputs, initializers):
    """numpy's exact int32 result of a one-node MatMulInteger graph, else None."""
    if len(nodes) != 1 or nodes[0].op_type != "MatMulInteger":
        return None
    values = dict(inputs, **initializers)
    operands = [values[name].astype(np.int64) if name else 0 for name in nodes[0].input]
    operands += [0] * (4 - len(operands))
    a, b, a_zero_point, b_zero_point = operands
    return ((a - a_zero_point) @ (b - b_zero_point)).astype(np.int32)


def build_model(name, nodes, inputs, initializers, outputs):
    value_info = lambda key, array: helper.make_tensor_value_info(key, ONNX_TYPES[array.dtype.type],
                                                                  list(array.shape))
    graph = helper.make_graph(
        nodes, name, [value_info(key, array) for key, array in inputs.items()],
        [helper.make_tensor_value_info(key, ONNX_TYPES[dtype], None) for key, dtype in outputs],
        [numpy_helper.from_array(array, key) for key, array in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def run(command, **kwargs):
    completed = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if completed.returncode:
        raise RuntimeError(f"{' '.join(command)}: exit {completed.returncode}: "
                           f"{(completed.stderr or completed.stdout).strip()}")


def differences(name, actual, expected):
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        return f"{name}: {actual.dtype}{list(actual.shape)}, ONNX Runtime {expected.dtype}{list(expected.shape)}"
    if expected.dtype == np.float32:
        same = actual.view(np.uint32) == expected.view(np.uint32)
    else:
        same = actual == expected
    if same.all():
        return None
    where = np.argwhere(~same)[0]
    return (f"{name}: {int((~same).sum())} of {same.size} elements differ, first at {where.tolist()}: "
            f"{actual[tuple(where)]!r} vs ONNX Runtime {expected[tuple(where)]!r}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compiler", required=True, help="mbert-compile")
    parser.add_argument("--work", required=True, help="folder for models, inputs and outputs (recreated)")
    parser.add_argument("--ort-modules", required=True, help="node_modules folder holding onnxruntime-node")
    parser.add_argument("--target", default="x86_64-linux-gnu", help="mbert-compile --target")
    parser.add_argument("--run-prefix", default="", help="runs the executables through this (qemu-aarch64)")
    arguments = parser.parse_args(argv)

    shutil.rmtree(arguments.work, ignore_errors=True)
    failures = 0
    for name, nodes, inputs, initializers, outputs in cases(np.random.default_rng(0)):
        folder = os.path.join(arguments.work, name)
        samples = os.path.join(folder, "samples")
        os.makedirs(os.path.join(samples, "0"))
        model_path = os.path.join(folder, "model.onnx")
        onnx.save(build_model(name, nodes, inputs, initializers, outputs), model_path)
        for key, array in inputs.items():
            np.save(os.path.join(samples, "0", key + ".npy"), array)
        try:
            run(["node", ORT_RUNNER, model_path, samples, os.path.join(folder, "ort")],
                env=dict(os.environ, NODE_PATH=arguments.ort_modules))
            executable = os.path.join(folder, "model")
            run([arguments.compiler, model_path, "--target", arguments.target, "--emit=exe", "-o", executable])
            command = arguments.run_prefix.split() + [executable, "--output-dir", os.path.join(folder, "mbert")]
            for key in inputs:
                command += ["--input", f"{key}={os.path.join(samples, '0', key + '.npy')}"]
            run(command)
        except RuntimeError as error:
            print(f"{name}: FAILED: {error}")
            failures += 1
            continue
        actual = {key: np.load(os.path.join(folder, "mbert", key + ".npy")) for key, _ in outputs}
        reference = matmul_integer_reference(nodes, inputs, initializers)
        if reference is not None:
            problem = differences("y (vs numpy)", actual["y"], reference)
            if problem:
                print(f"{name}: DIFFERS: {problem}")
                failures += 1
                continue
        if name.endswith("_full_range"):
            print(f"{name}: identical to numpy's exact result")
            continue
        problems = [differences(key, actual[key], np.load(os.path.join(folder, "ort", "0", key + ".npy")))
                    for key, _ in outputs]
        problems = [problem for problem in problems if problem]
        print(f"{name}: " + ("identical to ONNX Runtime" if not problems else "DIFFERS: " + "; ".join(problems)))
        failures += bool(problems)
    print(f"{failures} of the cases differ from ONNX Runtime")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
