#!/usr/bin/python3
"""MobileBERT's feed-forward GEMMs alone, as an ONNX model for bench/gemm.sh.

    gemm_chain.py --rows R [--blocks B] --out DIR

Each block is one of MobileBERT's feed-forward networks (hidden size 128, intermediate 512):
    x [R, 128] -> MatMul [128, 512] -> Add bias -> Relu -> MatMul [512, 128] -> Add bias
and the model runs B of them in a row, each with its own random weights. The default of 96 is
as many as the 24-layer model has (four per layer), so the weights take as much memory as its
feed-forward weights do, and one run is the 192 GEMMs of the two shapes that carry most of its
multiply-adds. Writes DIR/model.onnx and DIR/inputs/x.npy (random normal).
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 128
INTERMEDIATE = 512


def build_chain(rows, blocks, rng):
    nodes, weights = [], []
    current = "x"

    def linear(name, source, depth, width):
        # Scaled so that activations keep their magnitude from block to block.
        matrix = (rng.standard_normal((depth, width)) / np.sqrt(depth)).astype(np.float32)
        bias = (0.1 * rng.standard_normal(width)).astype(np.float32)
        weights.extend([numpy_helper.from_array(matrix, f"{name}.weight"),
                        numpy_helper.from_array(bias, f"{name}.bias")])
        nodes.append(helper.make_node("MatMul", [source, f"{name}.weight"], [f"{name}.product"]))
        nodes.append(helper.make_node("Add", [f"{name}.product", f"{name}.bias"], [name]))
        return name

    for block in range(blocks):
        expanded = linear(f"block{block}.up", current, HIDDEN, INTERMEDIATE)
        nodes.append(helper.make_node("Relu", [expanded], [f"block{block}.relu"]))
        current = linear(f"block{block}.down", f"block{block}.relu", INTERMEDIATE, HIDDEN)
    graph = helper.make_graph(
        nodes, "gemm_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, HIDDEN])],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, [rows, HIDDEN])], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, required=True, help="rows of x (the sequence length)")
    parser.add_argument("--blocks", type=int, default=96, help="feed-forward blocks (default 96)")
    parser.add_argument("--out", required=True, help="directory to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.blocks < 1:
        parser.error("--rows and --blocks must be at least 1")
    rng = np.random.default_rng(args.seed)
    os.makedirs(os.path.join(args.out, "inputs"), exist_ok=True)
    model = build_chain(args.rows, args.blocks, rng)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(args.out, "model.onnx"))
    np.save(os.path.join(args.out, "inputs", "x.npy"),
            rng.standard_normal((args.rows, HIDDEN)).astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1:])
