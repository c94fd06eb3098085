#!/usr/bin/python3
"""Self-test of the exporter and the comparison tool; prints `N passed, N failed`, exits 1 on failure.

    selftest.py [--keep DIR]

For a matrix of small exports (2 layers; opsets 11, 13, 14, 17; heads none/qa/cls; TINY; the
float32-minimum mask bias; dynamic axes) it checks that
  - the ONNX graph, run node by node in numpy (run_onnx_numpy), reproduces the PyTorch reference;
  - the float64 numpy re-implementation of the spec (mobilebert_numpy) reproduces it too;
  - compare_outputs accepts the reference against itself and rejects a copy perturbed by 2x the
    tolerance, a NaN, a wrong shape and a missing file.
Takes about half a minute.
"""

import argparse
import contextlib
import io
import os
import sys
import tempfile

import numpy as np
import onnx

import compare_outputs
import mbert_export
import mobilebert_numpy
import run_onnx_numpy

RTOL = 1e-4
EXPORT_CASES = {
    "opset11_none": ["--opset", "11"],
    "opset11_qa_tiny": ["--opset", "11", "--head", "qa", "--tiny"],
    "opset13_cls": ["--opset", "13", "--head", "cls", "--num-labels", "3", "--batch", "2"],
    "opset14_qa": ["--opset", "14", "--head", "qa"],
    "opset14_min_mask_no_shared_qk": ["--opset", "14", "--mask-bias", "min", "--no-shared-qk-bottleneck"],
    "opset17_qa_dynamic": ["--opset", "17", "--head", "qa", "--dynamic-axes"],
}


def outputs_match(actual_dir, expected_dir):
    """Runs compare_outputs quietly; returns (passed, its report)."""
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        status = compare_outputs.main([actual_dir, expected_dir, "--rtol", str(RTOL)])
    return status == 0, report.getvalue().strip()


def check_export(case_dir, arguments):
    """Yields (check name, passed, detail) for one exported model."""
    with contextlib.redirect_stdout(io.StringIO()):
        status = mbert_export.export(mbert_export.parse_arguments(
            ["--layers", "2", "--seq-len", "32", "--out", case_dir] + arguments))
    yield "export", status == 0, ""
    if status:
        return
    graph = onnx.load(os.path.join(case_dir, "model.onnx"))
    description, weights, inputs = mobilebert_numpy.load_export(case_dir)
    mbert_export.save_arrays(os.path.join(case_dir, "onnx_numpy"), run_onnx_numpy.run_graph(graph, inputs))
    passed, report = outputs_match(os.path.join(case_dir, "onnx_numpy"), os.path.join(case_dir, "reference"))
    yield "onnx graph in numpy == reference", passed, report

    mbert_export.save_arrays(os.path.join(case_dir, "spec_numpy"), mobilebert_numpy.forward_float32(case_dir))
    passed, report = outputs_match(os.path.join(case_dir, "spec_numpy"), os.path.join(case_dir, "reference"))
    yield "float64 spec in numpy == reference", passed, report

    if description["dynamic_axes"]:
        # A symbolic-shape graph must also be right at shapes other than the traced one.
        config = mbert_export.MobileBertConfig(**description["config"])
        other_inputs = mbert_export.make_test_inputs(config, batch=3, sequence_length=9, seed=1)
        spec_outputs = mobilebert_numpy.forward(weights, description["config"], description["mask_bias_value"],
                                                other_inputs)
        mbert_export.save_arrays(os.path.join(case_dir, "other_shape_spec"),
                                 {name: array.astype(np.float32) for name, array in spec_outputs.items()})
        mbert_export.save_arrays(os.path.join(case_dir, "other_shape_onnx"),
                                 run_onnx_numpy.run_graph(graph, other_inputs))
        passed, report = outputs_match(os.path.join(case_dir, "other_shape_onnx"),
                                       os.path.join(case_dir, "other_shape_spec"))
        yield "onnx graph in numpy == spec at B=3, S=9", passed, report


def check_comparison_tool(work_dir, expected_dir):
    """Yields (check name, passed, detail): the tool must accept the good copy, reject the rest."""
    expected = {name[:-4]: np.load(os.path.join(expected_dir, name))
                for name in os.listdir(expected_dir) if name.endswith(".npy")}
    first = sorted(expected)[0]

    def variant(label, change):
        arrays = {name: array.copy() for name, array in expected.items()}
        change(arrays)
        directory = os.path.join(work_dir, label)
        mbert_export.save_arrays(directory, arrays)
        return directory

    def perturb(arrays):
        # Twice the tolerance, on one element: the smallest error the tool must catch.
        arrays[first].reshape(-1)[0] += 2 * RTOL * np.abs(arrays[first]).max()

    def poison(arrays):
        arrays[first].reshape(-1)[-1] = np.nan

    def reshape(arrays):
        arrays[first] = arrays[first].reshape(-1)

    def drop(arrays):
        del arrays[first]

    passed, report = outputs_match(variant("identical", lambda arrays: None), expected_dir)
    yield "compare_outputs accepts identical outputs", passed, report
    for label, change in (("perturbed", perturb), ("nan", poison), ("reshaped", reshape), ("missing", drop)):
        passed, report = outputs_match(variant(label, change), expected_dir)
        yield f"compare_outputs rejects {label} outputs", not passed, report


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the exports (default: a temporary dir)")
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="mbert-selftest-") as temporary_dir:
        work_dir = arguments.keep or temporary_dir
        counts = {True: 0, False: 0}
        for case, case_arguments in EXPORT_CASES.items():
            case_dir = os.path.join(work_dir, case)
            for check, passed, detail in check_export(case_dir, case_arguments):
                counts[passed] += 1
                print(f"{'PASS' if passed else 'FAIL'} {case}: {check}")
                if not passed and detail:
                    print("    " + detail.replace("\n", "\n    "))
        reference_dir = os.path.join(work_dir, "opset14_qa", "reference")
        if not os.path.isdir(reference_dir):
            counts[False] += 1
            print(f"FAIL compare_outputs checks: no reference in {reference_dir}")
            reference_dir = None
        for check, passed, detail in (check_comparison_tool(os.path.join(work_dir, "compare"), reference_dir)
                                          if reference_dir else ()):
            counts[passed] += 1
            print(f"{'PASS' if passed else 'FAIL'} {check}")
            if not passed and detail:
                print("    " + detail.replace("\n", "\n    "))
    print(f"{counts[True]} passed, {counts[False]} failed")
    return 0 if counts[False] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
