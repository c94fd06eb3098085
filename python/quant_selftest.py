#!/usr/bin/python3
"""Self-test of the int8 tools; prints `N passed, N failed`, exits 1 on failure.

    quant_selftest.py [--ort-modules DIR | --no-ort] [--keep DIR]

On 2-layer exports (S=32) it checks that
  - mbert_export --outlier-channels keeps the float function of task heads (references within
    1e-5) and that the recorded channels are the outliers of the wide stream, which head none
    outputs as is (10x the others' median or more);
  - quantize_onnx rewrites every constant-weight MatMul (dynamic and qdq, per-tensor and
    per-channel) and nothing else, and reports missing files and models without weights;
  - fidelity generate writes the documented folders and refuses a dynamic-axes model;
  - with ONNX Runtime (node + onnxruntime-node): int8 outputs over 100 random samples keep a
    minimum cosine above 0.99 against fp32 without outliers, and fall below the plain model's
    with them; the fidelity table has a row per engine.
Takes about half a minute.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

import fidelity
import mbert_export
import quantize_onnx

PLAIN_MIN_COSINE = 0.99
OUTLIER_RATIO = 10.0


def quietly(function, *arguments):
    """Runs function(*arguments) with stdout and stderr captured: returns (result, text)."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
        result = function(*arguments)
    return result, text.getvalue()


def export(directory, *options):
    status, text = quietly(mbert_export.main, ["--layers", "2", "--seq-len", "32", "--out", directory, *options])
    if status:
        raise RuntimeError(f"export {' '.join(options)} failed: {text}")
    return os.path.join(directory, "model.onnx")


def check_outliers(work):
    """Yields (check, passed, detail)."""
    for label, options in (("qa", ["--head", "qa"]), ("tiny qa", ["--tiny", "--head", "qa"]),
                           ("no-shared-qk cls", ["--no-shared-qk-bottleneck", "--head", "cls"])):
        plain = os.path.join(work, f"outliers-{label}-plain")
        outliers = os.path.join(work, f"outliers-{label}")
        export(plain, *options)
        export(outliers, *options, "--outlier-channels", "2")
        worst = 0.0
        for name in os.listdir(os.path.join(plain, "reference")):
            expected = np.load(os.path.join(plain, "reference", name))
            actual = np.load(os.path.join(outliers, "reference", name))
            worst = max(worst, float(np.abs(actual - expected).max() / np.abs(expected).max()))
        yield f"outliers keep the float function ({label})", worst <= 1e-5, f"rel {worst:.3g}"

    # Head none outputs the wide stream itself, where the output-bottleneck channels end up.
    directory = os.path.join(work, "outliers-none")
    export(directory, "--outlier-channels", "2")
    with open(os.path.join(directory, "config.json")) as config_file:
        chosen = json.load(config_file)["outlier_gamma_channels"]
    channels = sorted({channel for name, picked in chosen.items() if "output.bottleneck" in name
                       for channel in picked})
    hidden = np.abs(np.load(os.path.join(directory, "reference", "last_hidden_state.npy"))).reshape(-1, 512)
    others = np.delete(hidden, channels, axis=1)
    ratio = float(np.median(hidden[:, channels]) / np.median(others))
    yield "recorded channels are the wide stream's outliers", ratio >= OUTLIER_RATIO, f"median ratio {ratio:.1f}"

    status, text = quietly(mbert_export.main, ["--layers", "2", "--out", os.path.join(work, "too-many"),
                                               "--outlier-channels", "30"])
    yield "too many outlier channels is a clear error", status == 2 and "distinct outliers" in text, text


def check_quantizer(work, model_path):
    matmuls = quantize_onnx.quantizable_matmuls(onnx.load(model_path))
    weights = len(matmuls)
    # Q and K read one bottleneck: activations are quantized once per tensor, not per MatMul.
    activations = len({node.input[0] for node, _ in matmuls})
    for quantization_format in ("dynamic", "qdq"):
        for per_channel in (False, True):
            label = f"{quantization_format}{'-per-channel' if per_channel else ''}"
            output = os.path.join(work, f"int8-{label}.onnx")
            options = ["--per-channel"] if per_channel else []
            status, text = quietly(quantize_onnx.main,
                                   [model_path, output, "--format", quantization_format, *options])
            if status:
                yield f"quantize {label}", False, text
                continue
            nodes = onnx.load(output).graph.node
            counts = {op: sum(node.op_type == op for node in nodes)
                      for op in ("MatMulInteger", "MatMul", "DequantizeLinear", "DynamicQuantizeLinear")}
            if quantization_format == "dynamic":
                # Attention's two activation x activation MatMuls per layer stay float.
                expected = (counts["MatMulInteger"] == weights and counts["MatMul"] == 4
                            and counts["DynamicQuantizeLinear"] == activations)
            else:
                expected = counts["MatMul"] == weights + 4 and counts["DequantizeLinear"] == weights + activations
            yield f"quantize {label}: every constant-weight MatMul, nothing else", expected, str(counts)

    status, text = quietly(quantize_onnx.main, [os.path.join(work, "absent.onnx"), os.path.join(work, "x.onnx"),
                                                "--format", "dynamic"])
    yield "quantize: missing input is a clear error", status == 1 and "no such file" in text, text
    no_weights = os.path.join(work, "add.onnx")
    value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    onnx.save(helper.make_model(helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "add", [value],
                                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])),
              no_weights)
    status, text = quietly(quantize_onnx.main, [no_weights, os.path.join(work, "x.onnx"), "--format", "dynamic"])
    yield "quantize: a model without weights is a clear error", status == 1 and "nothing to quantize" in text, text


def check_generate(work, model_path):
    samples = os.path.join(work, "samples")
    status, text = quietly(fidelity.main, ["generate", model_path, samples, "--count", "100"])
    folders = sorted(os.listdir(samples)) if status == 0 else []
    layout_ok = len(folders) == 100
    lengths = []
    for folder in folders:
        arrays = {name: np.load(os.path.join(samples, folder, name + ".npy"))
                  for name in ("input_ids", "attention_mask", "token_type_ids")}
        length = int(arrays["attention_mask"].sum())
        lengths.append(length)
        layout_ok = layout_ok and sorted(os.listdir(os.path.join(samples, folder))) == [
            "attention_mask.npy", "input_ids.npy", "token_type_ids.npy"]
        layout_ok = layout_ok and all(array.dtype == np.int64 and array.shape == (1, 32) for array in arrays.values())
        # Real positions first, then padding with id 0 and token type 0.
        layout_ok = layout_ok and arrays["attention_mask"][0, :length].all()
        layout_ok = layout_ok and not arrays["input_ids"][0, length:].any()
        layout_ok = layout_ok and not arrays["token_type_ids"][0, length:].any()
        layout_ok = layout_ok and arrays["token_type_ids"][0, length - 1] == 1
    layout_ok = layout_ok and min(lengths, default=0) >= 8 and len(set(lengths)) > 10
    yield "generate: 100 folders of int64 [1,32] inputs, random lengths >= 8", layout_ok, text

    dynamic = os.path.join(work, "dynamic")
    export(dynamic, "--dynamic-axes")
    status, text = quietly(fidelity.main, ["generate", os.path.join(dynamic, "model.onnx"), os.path.join(work, "d")])
    yield "generate: a dynamic-axes model is a clear error", status == 1 and "--dynamic-axes" in text, text


def check_with_ort(work, model_path, outlier_model_path, modules):
    samples = os.path.join(work, "samples")
    minimum = {}
    for label, path in (("plain", model_path), ("outliers", outlier_model_path)):
        outputs = {}
        for engine, options in (("int8", []), ("int8-per-channel", ["--per-channel"])):
            quantized = os.path.join(work, f"{label}-{engine}.onnx")
            quietly(quantize_onnx.main, [path, quantized, "--format", "dynamic", *options])
            outputs[engine] = quantized
        outputs["fp32"] = path
        if label == "plain":
            outputs["qdq"] = os.path.join(work, "int8-qdq.onnx")
        for engine, model in outputs.items():
            status, text = quietly(fidelity.main, ["run-ort", model, samples, os.path.join(work, "out", label, engine),
                                                   "--ort-modules", modules])
            if status:
                yield f"ONNX Runtime runs {label} {engine}", False, text
                return
        engines = [f"--engine={engine}={os.path.join(work, 'out', label, engine)}" for engine in outputs]
        report = os.path.join(work, f"fidelity-{label}.json")
        status, text = quietly(fidelity.main, ["compare", samples, f"--reference=fp32={os.path.join(work, 'out', label, 'fp32')}",
                                               *engines, "--json", report])
        yield f"fidelity table for {label}", status == 0 and all(f"| {engine} |" in text for engine in outputs), text
        if status:
            return
        with open(report) as report_file:
            results = json.load(report_file)["engines"]
        minimum[label] = {engine: min(result["cosine"][name]["min"] for name in result["cosine"])
                          for engine, result in results.items()}
    plain_ok = all(minimum["plain"][engine] > PLAIN_MIN_COSINE for engine in ("int8", "int8-per-channel", "qdq"))
    yield f"plain int8 min cosine > {PLAIN_MIN_COSINE}", plain_ok, str(minimum["plain"])
    yield ("outliers lower the int8 min cosine", minimum["outliers"]["int8"] < minimum["plain"]["int8"],
           str(minimum["outliers"]))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ort-modules", default=fidelity.DEFAULT_ORT_MODULES,
                        help=f"node_modules holding onnxruntime-node (default {fidelity.DEFAULT_ORT_MODULES})")
    parser.add_argument("--no-ort", action="store_true", help="skip the checks that need ONNX Runtime")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep its files (default: a temporary dir)")
    arguments = parser.parse_args(argv)

    counts = {True: 0, False: 0}

    def report(checks):
        for check, passed, detail in checks:
            counts[passed] += 1
            print(f"{'PASS' if passed else 'FAIL'} {check}")
            if not passed and detail:
                print("    " + detail.strip().replace("\n", "\n    "))

    with tempfile.TemporaryDirectory(prefix="mbert-quant-selftest-") as temporary_dir:
        work = arguments.keep or temporary_dir
        report(check_outliers(work))
        model_path = os.path.join(work, "outliers-qa-plain", "model.onnx")
        report(check_quantizer(work, model_path))
        report(check_generate(work, model_path))
        if not arguments.no_ort:
            report(check_with_ort(work, model_path, os.path.join(work, "outliers-qa", "model.onnx"),
                                  arguments.ort_modules))
    print(f"{counts[True]} passed, {counts[False]} failed")
    return 0 if counts[False] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
