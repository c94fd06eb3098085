#!/usr/bin/python3
"""How closely engines agree with a reference engine over many random inputs.

    fidelity.py generate MODEL.onnx SAMPLES_DIR [--count 100] [--seed 0]
    fidelity.py run-ort  MODEL.onnx SAMPLES_DIR OUT_DIR [--threads 1]
    fidelity.py run-exe  EXE        SAMPLES_DIR OUT_DIR [--threads 1] [--run-prefix qemu-aarch64]
    fidelity.py compare  SAMPLES_DIR --reference NAME=OUT_DIR --engine NAME=OUT_DIR ... [--json FILE]
                         [--min-cosine C] [--min-agreement A]

generate writes SAMPLES_DIR/<sample>/<input>.npy (int64, the shapes of MODEL's inputs), one
folder per sample and nothing else: the layout `mbert-compile --calibration DIR` reads. Each
row has a random real length L in [--min-length, S]: attention_mask is 1 on the first L
positions, 0 after; token ids are uniform in [0, vocab) on real positions ([CLS] first and [SEP]
closing the question and the context when the vocabulary has BERT's ids), 0 on padding; token
types are 0 for a question of random length and 1 for the context after it, 0 on padding.

run-ort runs ONNX Runtime over all samples in one node process (bench/ort_run.js; needs
onnxruntime-node, see --ort-modules); run-exe runs an `mbert-compile --emit=exe` runner once
per sample. Both write OUT_DIR/<sample>/<output>.npy.

compare reports, per engine and output, the minimum and median over samples of the cosine
similarity with the reference. For outputs whose leading axes are [B, S] the cosine covers only
the positions where attention_mask is 1, since padded positions are free to differ. For
question-answering models (start_logits and end_logits) it also reports the fraction of rows
whose argmax over unmasked positions agrees with the reference, for start, end and both.
Prints a markdown table, with the engines' latencies when given (--latency); --json writes the
same figures. --min-cosine and --min-agreement turn the comparison into a test: it exits 1 when
some engine falls below them.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_RUNNER = os.path.join(ROOT, "bench", "ort_run.js")
# Where bench/run.sh and bench/quant.sh install onnxruntime-node.
DEFAULT_ORT_MODULES = os.path.join(os.environ.get("MBERT_BUILD_DIR", os.path.join(ROOT, "build")),
                                   "bench", "ort", "node_modules")
CLS_TOKEN_ID, SEP_TOKEN_ID = 101, 102
QA_OUTPUTS = ("start_logits", "end_logits")


class FidelityError(Exception):
    pass


def load_graph(model_path):
    if not os.path.isfile(model_path):
        raise FidelityError(f"{model_path}: no such file")
    try:
        # The weights are not needed, only shapes and the embedding table's extent.
        return onnx.load(model_path, load_external_data=False).graph
    except Exception as error:  # protobuf's DecodeError
        raise FidelityError(f"{model_path}: not a readable ONNX model ({error})")


def model_inputs(graph):
    """{input name: [B, S]} of the graph's non-initializer inputs."""
    initializer_names = {initializer.name for initializer in graph.initializer}
    shapes = {}
    for value in graph.input:
        if value.name in initializer_names:
            continue
        dims = value.type.tensor_type.shape.dim
        if len(dims) != 2 or not all(dim.HasField("dim_value") for dim in dims):
            raise FidelityError(f"input {value.name}: expected a fixed [batch, sequence] shape; export "
                                f"without --dynamic-axes")
        shapes[value.name] = [dim.dim_value for dim in dims]
    if "input_ids" not in shapes or "attention_mask" not in shapes:
        raise FidelityError(f"the model's inputs are {sorted(shapes)}; a MobileBERT export has input_ids "
                            f"and attention_mask")
    return shapes


def vocabulary_size(graph):
    """Rows of the table that input_ids index, read from the Gather that consumes input_ids."""
    initializers = {initializer.name: initializer for initializer in graph.initializer}
    for node in graph.node:
        if node.op_type == "Gather" and node.input[1] == "input_ids" and node.input[0] in initializers:
            return initializers[node.input[0]].dims[0]
    raise FidelityError("no Gather reads input_ids from an embedding table; give --vocab")


def generate(model_path, samples_dir, count, seed, min_length, vocab):
    graph = load_graph(model_path)
    shapes = model_inputs(graph)
    vocab = vocab or vocabulary_size(graph)
    batch, sequence_length = shapes["input_ids"]
    min_length = min(min_length, sequence_length)
    rng = np.random.default_rng(seed)
    for index in range(count):
        arrays = {name: np.zeros(shape, dtype=np.int64) for name, shape in shapes.items()}
        for row in range(batch):
            length = int(rng.integers(min_length, sequence_length + 1))
            # [CLS] question [SEP] | context [SEP]: the context starts somewhere in the first half.
            context_start = min(length, int(rng.integers(2, max(2, length // 2) + 1)))
            ids = rng.integers(0, vocab, size=length)
            if vocab > SEP_TOKEN_ID and length >= 3:
                ids[0] = CLS_TOKEN_ID
                ids[context_start - 1] = SEP_TOKEN_ID
                ids[length - 1] = SEP_TOKEN_ID
            arrays["input_ids"][row, :length] = ids
            arrays["attention_mask"][row, :length] = 1
            if "token_type_ids" in arrays:
                arrays["token_type_ids"][row, context_start:length] = 1
        folder = os.path.join(samples_dir, f"{index:04d}")
        os.makedirs(folder, exist_ok=True)
        for name, array in arrays.items():
            np.save(os.path.join(folder, name + ".npy"), array)
    print(f"{samples_dir}: {count} samples of {', '.join(f'{n} {s}' for n, s in shapes.items())}, "
          f"vocab {vocab}, lengths {min_length}..{sequence_length}")


def sample_names(samples_dir):
    if not os.path.isdir(samples_dir):
        raise FidelityError(f"{samples_dir}: no such folder (make it with `fidelity.py generate`)")
    names = sorted(entry for entry in os.listdir(samples_dir) if os.path.isdir(os.path.join(samples_dir, entry)))
    if not names:
        raise FidelityError(f"{samples_dir}: no sample folders in it")
    return names


def run_ort(model_path, samples_dir, out_dir, threads, modules):
    if not os.path.isfile(model_path):
        raise FidelityError(f"{model_path}: no such file")
    sample_names(samples_dir)
    if not os.path.isdir(os.path.join(modules, "onnxruntime-node")):
        raise FidelityError(f"{modules}: no onnxruntime-node in it; install it with `npm install "
                            f"--ignore-scripts --prefix DIR onnxruntime-node@1.30.0` and pass DIR/node_modules")
    environment = dict(os.environ, NODE_PATH=modules)
    completed = subprocess.run(["node", ORT_RUNNER, model_path, samples_dir, out_dir, str(threads)],
                               env=environment, capture_output=True, text=True)
    if completed.returncode:
        raise FidelityError(completed.stderr.strip() or f"node exited with {completed.returncode}")


def run_exe(executable, samples_dir, out_dir, threads, run_prefix=""):
    if not os.access(executable, os.X_OK):
        raise FidelityError(f"{executable}: not an executable (build it with `mbert-compile --emit=exe`)")
    # The runner has no batch mode; it is one process per sample, each ~ one model run.
    for sample in sample_names(samples_dir):
        folder = os.path.join(samples_dir, sample)
        command = run_prefix.split() + [executable, "--output-dir", os.path.join(out_dir, sample),
                                        "--threads", str(threads)]
        for file_name in sorted(os.listdir(folder)):
            if file_name.endswith(".npy"):
                command += ["--input", f"{file_name[:-4]}={os.path.join(folder, file_name)}"]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode:
            raise FidelityError(f"{' '.join(command)}: exit {completed.returncode}: {completed.stderr.strip()}")


def cosine(a, b):
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0:
        return 1.0 if not a.any() and not b.any() else 0.0
    return float(np.dot(a, b) / norms)


def unmasked(output, mask):
    """The output's values at real positions when it is laid out [B, S, ...], else all of it."""
    if output.shape[:2] == mask.shape:
        return output[mask.astype(bool)].reshape(-1)
    return output.reshape(-1)


def masked_argmax(logits, mask):
    """Per row, the argmax over positions where mask is 1."""
    return np.where(mask.astype(bool), logits, -np.inf).argmax(axis=1)


def load_outputs(out_dir, sample, engine):
    folder = os.path.join(out_dir, sample)
    if not os.path.isdir(folder):
        raise FidelityError(f"engine {engine}: no outputs for sample {sample} in {out_dir}")
    return {name[:-4]: np.load(os.path.join(folder, name)).astype(np.float64)
            for name in os.listdir(folder) if name.endswith(".npy")}


def compare(samples_dir, reference, engines):
    """Returns {engine: {"samples", "cosine": {output: {min, median}}, "argmax_agreement"?}}."""
    reference_name, reference_dir = reference
    samples = sample_names(samples_dir)
    results = {}
    for engine, engine_dir in engines:
        cosines = {}
        agreement = {"start": [], "end": [], "both": []}
        for sample in samples:
            mask = np.load(os.path.join(samples_dir, sample, "attention_mask.npy"))
            expected = load_outputs(reference_dir, sample, reference_name)
            actual = load_outputs(engine_dir, sample, engine)
            for name, expected_value in expected.items():
                if name not in actual or actual[name].shape != expected_value.shape:
                    got = list(actual[name].shape) if name in actual else "nothing"
                    raise FidelityError(f"engine {engine}, sample {sample}: output {name} is {got}, "
                                        f"expected {list(expected_value.shape)}")
                # A NaN makes the cosine NaN, and the min then reports it.
                cosines.setdefault(name, []).append(cosine(unmasked(actual[name], mask),
                                                           unmasked(expected_value, mask)))
            if all(name in expected for name in QA_OUTPUTS):
                same = {key: masked_argmax(actual[name], mask) == masked_argmax(expected[name], mask)
                        for key, name in zip(("start", "end"), QA_OUTPUTS)}
                agreement["start"] += list(same["start"])
                agreement["end"] += list(same["end"])
                agreement["both"] += list(same["start"] & same["end"])
        result = {"samples": len(samples),
                  "cosine": {name: {"min": float(np.min(values)), "median": float(np.median(values))}
                             for name, values in cosines.items()}}
        if agreement["both"]:
            result["argmax_agreement"] = {key: float(np.mean(values)) for key, values in agreement.items()}
        results[engine] = result
    return results


def gate(results, min_cosine, min_agreement):
    """What falls below the given minimum cosine and argmax agreement, as messages."""
    shortfalls = []
    for engine, result in results.items():
        for name, cosines in sorted(result["cosine"].items()):
            # `not >=` also catches a NaN cosine.
            if min_cosine is not None and not cosines["min"] >= min_cosine:
                shortfalls.append(f"{engine} {name} min cosine {cosines['min']:.4f} < {min_cosine}")
        agreement = result.get("argmax_agreement")
        if min_agreement is not None and agreement and agreement["both"] < min_agreement:
            shortfalls.append(f"{engine} argmax agreement {agreement['both']:.2f} < {min_agreement}")
    return shortfalls


def markdown_table(reference_name, results, latency_label):
    outputs = sorted({name for result in results.values() for name in result["cosine"]})
    has_argmax = any("argmax_agreement" in result for result in results.values())
    has_latency = any("median_ms" in result for result in results.values())
    header = ["engine", "samples"] + [f"{name} cos min / median" for name in outputs]
    if has_argmax:
        header.append("argmax agrees: start / end / both")
    if has_latency:
        header.append(f"median ms ({latency_label})")
    lines = [f"vs {reference_name}; cosines over unmasked positions",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for engine, result in results.items():
        row = [engine, str(result["samples"])]
        row += [f"{result['cosine'][name]['min']:.4f} / {result['cosine'][name]['median']:.4f}"
                if name in result["cosine"] else "-" for name in outputs]
        if has_argmax:
            agreement = result.get("argmax_agreement")
            row.append(" / ".join(f"{100 * agreement[key]:.0f}%" for key in ("start", "end", "both"))
                       if agreement else "-")
        if has_latency:
            row.append(f"{result['median_ms']:.1f}" if "median_ms" in result else "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def named_directory(text):
    name, separator, directory = text.partition("=")
    if not separator or not name or not directory:
        raise argparse.ArgumentTypeError(f"expected NAME=DIR, got {text!r}")
    return name, directory


def named_milliseconds(text):
    name, separator, value = text.partition("=")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=MILLISECONDS, got {text!r}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    generate_parser = commands.add_parser("generate", help="write random input samples for a model")
    generate_parser.add_argument("model", help="the .onnx file whose inputs to match (fixed shapes)")
    generate_parser.add_argument("samples_dir")
    generate_parser.add_argument("--count", type=int, default=100, help="samples (default 100)")
    generate_parser.add_argument("--seed", type=int, default=0, help="seed of the samples (default 0)")
    generate_parser.add_argument("--min-length", type=int, default=8,
                                 help="shortest real length; the longest is the model's S (default 8)")
    generate_parser.add_argument("--vocab", type=int,
                                 help="token ids are drawn below this (default: the embedding table's rows)")

    ort_parser = commands.add_parser("run-ort", help="run ONNX Runtime over the samples")
    ort_parser.add_argument("model")
    ort_parser.add_argument("samples_dir")
    ort_parser.add_argument("out_dir")
    ort_parser.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1)")
    ort_parser.add_argument("--ort-modules", default=DEFAULT_ORT_MODULES,
                            help=f"node_modules folder holding onnxruntime-node (default {DEFAULT_ORT_MODULES})")

    exe_parser = commands.add_parser("run-exe", help="run an mbert-compile --emit=exe runner over the samples")
    exe_parser.add_argument("executable")
    exe_parser.add_argument("samples_dir")
    exe_parser.add_argument("out_dir")
    exe_parser.add_argument("--threads", type=int, default=1, help="runner threads (default 1)")
    exe_parser.add_argument("--run-prefix", default="",
                            help="runs the executable through this command (qemu-aarch64 for AArch64 runners)")

    compare_parser = commands.add_parser("compare", help="fidelity table of engines against a reference")
    compare_parser.add_argument("samples_dir", help="the generated samples (their attention masks are read)")
    compare_parser.add_argument("--reference", type=named_directory, required=True, metavar="NAME=OUT_DIR",
                                help="the outputs every engine is compared with, and their name")
    compare_parser.add_argument("--engine", type=named_directory, action="append", required=True,
                                metavar="NAME=OUT_DIR", help="an engine's outputs; repeat for each engine")
    compare_parser.add_argument("--latency", type=named_milliseconds, action="append", default=[],
                                metavar="NAME=MS", help="an engine's measured median latency, shown beside "
                                                        "its fidelity; repeat for each engine")
    compare_parser.add_argument("--latency-label", default="1 thread",
                                help="what the latencies are, for the column header (default: 1 thread)")
    compare_parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    compare_parser.add_argument("--min-cosine", type=float, metavar="C",
                                help="fail (exit 1) when an engine's cosine on some output and sample is below C")
    compare_parser.add_argument("--min-agreement", type=float, metavar="A",
                                help="fail (exit 1) when an engine's start-and-end argmax agreement is below A "
                                     "(a fraction)")

    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "generate":
            if arguments.count < 1 or arguments.min_length < 1:
                parser.error("--count and --min-length must be positive")
            generate(arguments.model, arguments.samples_dir, arguments.count, arguments.seed,
                     arguments.min_length, arguments.vocab)
        elif arguments.command == "run-ort":
            run_ort(arguments.model, arguments.samples_dir, arguments.out_dir, arguments.threads,
                    arguments.ort_modules)
        elif arguments.command == "run-exe":
            run_exe(arguments.executable, arguments.samples_dir, arguments.out_dir, arguments.threads,
                    arguments.run_prefix)
        else:
            results = compare(arguments.samples_dir, arguments.reference, arguments.engine)
            for engine, milliseconds in arguments.latency:
                if engine not in results:
                    raise FidelityError(f"--latency {engine}: no --engine of that name")
                results[engine]["median_ms"] = milliseconds
            print(markdown_table(arguments.reference[0], results, arguments.latency_label))
            if arguments.json:
                with open(arguments.json, "w") as json_file:
                    json.dump({"reference": arguments.reference[0], "engines": results}, json_file, indent=2)
                    json_file.write("\n")
            shortfalls = gate(results, arguments.min_cosine, arguments.min_agreement)
            if shortfalls:
                raise FidelityError("below the gate: " + "; ".join(shortfalls))
    except FidelityError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
