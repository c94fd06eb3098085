#!/usr/bin/python3
"""Run ONNX's backend node tests through mbert-compile and tabulate the results.

    onnx_conformance.py --compiler build/bin/mbert-compile --work DIR [--table docs/conformance.md]
    onnx_conformance.py --compiler ... --work DIR --target aarch64-linux-gnu --run-prefix qemu-aarch64 --sample 10

A node test (a directory under --data holding model.onnx and test_data_set_N/{input,output}_K.pb)
is selected when every operator of its graph has a handler in the importer: the supported
operators are read from lib/Frontend/OnnxImporter.cpp, so a new handler brings its tests in
without editing this script. Each selected test is compiled with `--emit=exe` for --target, run
on every data set through the generic npy runner, and its outputs are compared with the expected
ones: exactly for integers and bools, within RTOL/ATOL for floats (NaN where NaN is expected).

Tests in EXPECTED_FAILURES must fail, each for the stated reason; any other failure, and any
expected failure that passes, makes the script exit with status 1. With --table it writes a
markdown table: per operator the number of tests, how many passed, and the expected failures
with their reasons. The table depends only on the test data and the results, so the test suite
regenerates it and compares it with the committed docs/conformance.md.
"""

import argparse
import collections
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"
DEFAULT_IMPORTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "Frontend",
                                "OnnxImporter.cpp")
# float32 results of a different (but correct) evaluation order differ in the last bits; the
# expected outputs of ONNX's tests are rounded numpy results.
RTOL = 1e-5
ATOL = 1e-6

FLOAT16 = "float16 tensors are not supported"
BFLOAT16 = "bfloat16 tensors are not supported"
STRING = "string tensors are not supported"
UNSIGNED = "unsigned integer arithmetic is not supported"
WIDE_UNSIGNED = "uint32 and uint64 tensors are not supported"
OLD_OPSET = "opsets before 11 are not supported"
TRAINING = "Dropout in training mode (random masking) is not supported"
DROPOUT_MASK = "the mask output of Dropout is not supported"
PAD_MODE = "Pad modes other than constant are not supported"
NOT_A_TENSOR = "optional and sequence values are not supported"
EMPTY_OUTPUT = "graph outputs with zero elements are not supported by the backend"
NEGATIVE_INDEX_INPUT = ("the entry point rejects negative indices in a graph input that indexes a table "
                        "(MBERT_ERROR_INPUT_OUT_OF_RANGE), although ONNX Gather allows them")
EXPECTED_FAILURES = {
    "test_add_uint8": UNSIGNED,
    "test_cast_BFLOAT16_to_FLOAT": BFLOAT16,
    "test_cast_DOUBLE_to_FLOAT16": FLOAT16,
    "test_cast_FLOAT16_to_DOUBLE": FLOAT16,
    "test_cast_FLOAT16_to_FLOAT": FLOAT16,
    "test_cast_FLOAT_to_BFLOAT16": BFLOAT16,
    "test_cast_FLOAT_to_FLOAT16": FLOAT16,
    "test_cast_FLOAT_to_STRING": STRING,
    "test_cast_STRING_to_FLOAT": STRING,
    "test_castlike_BFLOAT16_to_FLOAT_expanded": BFLOAT16,
    "test_castlike_DOUBLE_to_FLOAT16_expanded": FLOAT16,
    "test_castlike_FLOAT16_to_DOUBLE_expanded": FLOAT16,
    "test_castlike_FLOAT16_to_FLOAT_expanded": FLOAT16,
    "test_castlike_FLOAT_to_BFLOAT16_expanded": BFLOAT16,
    "test_castlike_FLOAT_to_FLOAT16_expanded": FLOAT16,
    "test_castlike_FLOAT_to_STRING_expanded": STRING,
    "test_castlike_STRING_to_FLOAT_expanded": STRING,
    "test_constantofshape_float_ones": OLD_OPSET,
    "test_constantofshape_int_shape_zero": OLD_OPSET,
    "test_constantofshape_int_zeros": OLD_OPSET,
    "test_div_uint8": UNSIGNED,
    "test_dropout_default_mask": DROPOUT_MASK,
    "test_dropout_default_mask_ratio": DROPOUT_MASK,
    "test_edge_pad": PAD_MODE,
    "test_gather_negative_indices": NEGATIVE_INDEX_INPUT,
    "test_identity_opt": NOT_A_TENSOR,
    "test_identity_sequence": NOT_A_TENSOR,
    "test_matmulinteger": OLD_OPSET,
    "test_mul_uint8": UNSIGNED,
    "test_pow_types_float32_uint32": WIDE_UNSIGNED,
    "test_pow_types_float32_uint64": WIDE_UNSIGNED,
    "test_reflect_pad": PAD_MODE,
    "test_reshape_allowzero_reordered": EMPTY_OUTPUT,
    "test_slice_start_out_of_bounds": EMPTY_OUTPUT,
    "test_sub_uint8": UNSIGNED,
    "test_training_dropout": TRAINING,
    "test_training_dropout_default": TRAINING,
    "test_training_dropout_default_mask": DROPOUT_MASK,
    "test_training_dropout_mask": DROPOUT_MASK,
    "test_training_dropout_zero_ratio": TRAINING,
    "test_training_dropout_zero_ratio_mask": DROPOUT_MASK,
}

# An expected failure must fail for its reason, not for a new bug: the compiler's (or the
# runner's) message must contain these words.
FAILURE_REASON_CHECKS = {
    FLOAT16: "FLOAT16",
    BFLOAT16: "BFLOAT16",
    STRING: "STRING",
    UNSIGNED: "unsigned integer operands",
    WIDE_UNSIGNED: "unsupported data type UINT",
    OLD_OPSET: "is not supported (supported: 11 to",
    TRAINING: "training_mode must be a constant bool",
    DROPOUT_MASK: "the mask output of Dropout is not supported",
    PAD_MODE: "is not supported (only 'constant')",
    NOT_A_TENSOR: "has no tensor shape",
    EMPTY_OUTPUT: "no lowered entry function",
    NEGATIVE_INDEX_INPUT: "input out of range",
}


# Operand positions that decide result shapes. Node tests often feed them as graph inputs; mbert
# compiles static shapes only, so those inputs become initializers holding the data set's values
# (the operator's semantics under test are the same).
SHAPE_OPERANDS = {
    "ConstantOfShape": (0,),
    "Expand": (1,),
    "Pad": (1,),
    "Reshape": (1,),
    "Slice": (1, 2, 3, 4),
    "Split": (1,),
    "Squeeze": (1,),
    "Unsqueeze": (1,),
}


def supported_operators(importer_source):
    with open(importer_source) as source:
        return set(re.findall(r'handlers\["(\w+)"\]', source.read()))


def select_tests(data_dir, operators):
    """Yields (test name, row label) for the tests whose graphs use only supported operators."""
    for name in sorted(os.listdir(data_dir)):
        model_path = os.path.join(data_dir, name, "model.onnx")
        if not os.path.isfile(model_path):
            continue
        graph = onnx.load(model_path, load_external_data=False).graph
        kinds = sorted({node.op_type for node in graph.node})
        if not kinds or not set(kinds) <= operators:
            continue
        # Expanded function bodies (test_*_expanded) exercise several operators together.
        yield name, kinds[0] if len(kinds) == 1 else "several: " + ", ".join(kinds)


def read_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as file:
        tensor.ParseFromString(file.read())
    return numpy_helper.to_array(tensor)


def graph_inputs(graph):
    initializers = {tensor.name for tensor in graph.initializer}
    return [value.name for value in graph.input if value.name not in initializers]


def shape_operand_inputs(graph):
    """The graph inputs that some node reads as a shape operand."""
    inputs = set(graph_inputs(graph))
    return {node.input[position] for node in graph.node for position in SHAPE_OPERANDS.get(node.op_type, ())
            if position < len(node.input) and node.input[position] in inputs}


def freeze_inputs(model, values, path):
    """Writes `model` with the graph inputs named in `values` turned into initializers."""
    frozen = onnx.ModelProto()
    frozen.CopyFrom(model)
    kept = [value for value in frozen.graph.input if value.name not in values]
    del frozen.graph.input[:]
    frozen.graph.input.extend(kept)
    for name, array in values.items():
        frozen.graph.initializer.append(numpy_helper.from_array(array, name))
    onnx.save(frozen, path)


def compile_model(arguments, model_path, executable):
    """None when mbert-compile succeeded, else its output on one line."""
    compiled = subprocess.run(
        [arguments.compiler, model_path, "--target", arguments.target, "--emit=exe", "-o", executable],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if compiled.returncode:
        return "compile: " + compiled.stdout.strip().replace("\n", " | ")
    return None


def compare(name, actual, expected):
    """None when `actual` matches `expected`, else what differs."""
    if actual.shape != expected.shape:
        return f"{name}: shape {list(actual.shape)}, expected {list(expected.shape)}"
    if actual.dtype != expected.dtype:
        return f"{name}: dtype {actual.dtype}, expected {expected.dtype}"
    if np.issubdtype(expected.dtype, np.floating):
        if np.array_equal(actual, expected, equal_nan=True) or \
                np.allclose(actual, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
            return None
        error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        return f"{name}: max abs error {np.nanmax(error):.3g} beyond rtol {RTOL}, atol {ATOL}"
    if np.array_equal(actual, expected):
        return None
    return f"{name}: {np.count_nonzero(actual != expected)} of {expected.size} elements differ"


def run_test(name, arguments):
    """Returns (passed, detail, whether shape operands were frozen) for one node test."""
    test_dir = os.path.join(arguments.data, name)
    work_dir = os.path.join(arguments.work, name)
    shutil.rmtree(work_dir, ignore_errors=True)
    os.makedirs(work_dir)
    model_path = os.path.join(test_dir, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    input_names = graph_inputs(model.graph)
    output_names = [value.name for value in model.graph.output]
    frozen = shape_operand_inputs(model.graph)
    data_sets = sorted(glob.glob(os.path.join(test_dir, "test_data_set_*")))
    if not data_sets:
        return False, "the test has no data set", bool(frozen)
    executable = os.path.join(work_dir, "model")
    if not frozen:
        error = compile_model(arguments, model_path, executable)
        if error:
            return False, error, False
    for data_set in data_sets:
        set_name = os.path.basename(data_set)
        set_dir = os.path.join(work_dir, set_name)
        os.makedirs(set_dir)
        inputs = {input_name: read_tensor(os.path.join(data_set, f"input_{index}.pb"))
                  for index, input_name in enumerate(input_names)}
        if frozen:
            # The shape operands may differ between data sets: one executable per set.
            frozen_path = os.path.join(set_dir, "model.onnx")
            freeze_inputs(model, {name: inputs[name] for name in frozen}, frozen_path)
            executable = os.path.join(set_dir, "model")
            error = compile_model(arguments, frozen_path, executable)
            if error:
                return False, f"{set_name}: {error}", True
        command = arguments.run_prefix + [executable, "--output-dir", os.path.join(set_dir, "out")]
        for input_name, array in inputs.items():
            if input_name in frozen:
                continue
            array_path = os.path.join(set_dir, f"{len(command)}.npy")
            np.save(array_path, array)
            command += ["--input", f"{input_name}={array_path}"]
        ran = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if ran.returncode:
            return False, f"run {set_name}: " + ran.stdout.strip().replace("\n", " | "), bool(frozen)
        for index, output_name in enumerate(output_names):
            expected = read_tensor(os.path.join(data_set, f"output_{index}.pb"))
            actual = np.load(os.path.join(set_dir, "out", output_name + ".npy"))
            mismatch = compare(output_name, actual, expected)
            if mismatch:
                return False, f"{set_name}: {mismatch}", bool(frozen)
    return True, "", bool(frozen)


def write_table(path, tests, results):
    rows = collections.OrderedDict()
    for name, label in sorted(tests, key=lambda test: (test[1].startswith("several"), test[1], test[0])):
        rows.setdefault(label, []).append(name)
    lines = [
        "# ONNX backend node tests",
        "",
        "Generated by `python/onnx_conformance.py` from Debian's libonnx-testdata (ONNX 1.12) when the",
        "test suite runs (`test/conformance/node-tests.test`); do not edit by hand. Every node test whose",
        "graph uses only operators the importer handles is compiled for x86_64-linux-gnu, run on each of its",
        f"data sets and compared with the expected outputs (floats within rtol {RTOL}, atol {ATOL}; integers",
        "and bools exactly). A failure not listed here fails the test suite. mbert compiles static shapes",
        "only: where a test feeds a shape operand (Reshape's shape, Slice's bounds, Unsqueeze's axes, ...)",
        "as a graph input, that input becomes an initializer holding the data set's value (column",
        "\"frozen\").",
        "",
        "| operator | tests | passed | frozen | expected failures |",
        "|---|---:|---:|---:|---|",
    ]
    for label, names in rows.items():
        passed = sum(results[name][0] for name in names)
        frozen = sum(results[name][2] for name in names)
        failures = "; ".join(f"`{name}`: {EXPECTED_FAILURES[name]}" for name in names if name in EXPECTED_FAILURES)
        lines.append(f"| {label} | {len(names)} | {passed} | {frozen} | {failures} |")
    total_passed = sum(result[0] for result in results.values())
    lines += ["", f"{len(results)} tests, {total_passed} passed, "
                  f"{sum(name in EXPECTED_FAILURES for name in results)} expected failures.", ""]
    with open(path, "w") as table:
        table.write("\n".join(lines))


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compiler", required=True, help="the mbert-compile executable")
    parser.add_argument("--work", required=True, help="scratch directory for executables and npy files")
    parser.add_argument("--data", default=DEFAULT_DATA, help=f"ONNX node test directory (default {DEFAULT_DATA})")
    parser.add_argument("--importer", default=DEFAULT_IMPORTER,
                        help="importer source whose handler table names the supported operators")
    parser.add_argument("--target", default="x86_64-linux-gnu", help="--target of mbert-compile")
    parser.add_argument("--run-prefix", default="", help="command that runs a target executable, e.g. qemu-aarch64")
    parser.add_argument("--sample", type=int, help="run only this many tests, spread evenly over the passing ones")
    parser.add_argument("--table", help="write the markdown table here (not with --sample)")
    parser.add_argument("--jobs", type=int, default=2, help="tests compiled and run at once")
    arguments = parser.parse_args(argv)
    if arguments.sample is not None and arguments.table:
        parser.error("--table needs the full run, not --sample")
    arguments.run_prefix = arguments.run_prefix.split()
    return arguments


def main(argv):
    arguments = parse_arguments(argv)
    tests = list(select_tests(arguments.data, supported_operators(arguments.importer)))
    if not tests:
        print(f"error: no node test in {arguments.data} uses only supported operators", file=sys.stderr)
        return 1
    unknown = set(EXPECTED_FAILURES) - {name for name, _ in tests}
    if unknown and arguments.sample is None:
        print(f"error: expected failures that are not selected tests: {', '.join(sorted(unknown))}",
              file=sys.stderr)
        return 1
    if arguments.sample is not None:
        candidates = [test for test in tests if test[0] not in EXPECTED_FAILURES]
        stride = max(len(candidates) // max(arguments.sample, 1), 1)
        tests = candidates[::stride][:arguments.sample]

    with concurrent.futures.ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        outcomes = pool.map(lambda test: run_test(test[0], arguments), tests)
        results = dict(zip((name for name, _ in tests), outcomes))

    problems = []
    for name, (passed, detail, _) in sorted(results.items()):
        reason = EXPECTED_FAILURES.get(name)
        if reason is None and not passed:
            problems.append(f"FAIL {name}: {detail}")
        elif reason is not None and passed:
            problems.append(f"XPASS {name}: expected to fail ({reason}) but passed; update EXPECTED_FAILURES")
        elif reason is not None and FAILURE_REASON_CHECKS[reason] not in detail:
            problems.append(f"FAIL {name}: expected to fail because {reason}, but: {detail}")
    if arguments.table:
        write_table(arguments.table, tests, results)
    for problem in problems:
        print(problem)
    passed = sum(result[0] for result in results.values())
    print(f"{len(results)} node tests: {passed} passed, "
          f"{sum(name in EXPECTED_FAILURES for name in results)} expected failures, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
