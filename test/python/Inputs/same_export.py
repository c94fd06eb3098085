#!/usr/bin/python3
"""Checks that two exporter output folders hold the same model: every ONNX initializer and every
reference output bit for bit. Prints one line per folder pair; exits 1 on any difference."""

import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def initializers(folder):
    model = onnx.load(os.path.join(folder, "model.onnx"))
    return {tensor.name: numpy_helper.to_array(tensor) for tensor in model.graph.initializer}


def references(folder):
    directory = os.path.join(folder, "reference")
    return {name: np.load(os.path.join(directory, name)) for name in sorted(os.listdir(directory))}


def main(first, second):
    problems = []
    for kind, read in (("initializer", initializers), ("output", references)):
        a, b = read(first), read(second)
        if a.keys() != b.keys():
            problems.append(f"{kind} names differ: {sorted(a.keys() ^ b.keys())[:5]}")
            continue
        for name in a:
            if a[name].shape != b[name].shape or not np.array_equal(a[name], b[name]):
                problems.append(f"{kind} {name} differs")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"identical: {len(initializers(first))} initializers, {len(references(first))} outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
