"""Writes small crafted ONNX models, one per way a model file can attack the compiler, into
OUT_DIR as NAME.onnx: `hostile_models.py OUT_DIR [NAME...]` (all when no name is given).
Each is a class of the probe in issue 12; the lit tests next to this file say what mbert-compile
must do with each."""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def constant(name, values, dtype=np.int64):
    return helper.make_node("Constant", [], [name], name=name,
                            value=numpy_helper.from_array(np.array(values, dtype=dtype), name))


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def output(name, elem_type=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem_type, None)


def model(nodes, inputs, outputs, opset=14, initializers=(), ir_version=8):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    result = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    result.ir_version = ir_version
    return result


def relu_of(value):
    return helper.make_node("Relu", [value], ["y"], name="relu")


MODELS = {}


def hostile(function):
    MODELS[function.__name__.replace("_", "-")] = function
    return function


# Constant folding that would materialize huge tensors.
@hostile
def expand_huge():
    return model([constant("one", [1.0], np.float32), constant("shape", [2**15, 2**14]),
                  helper.make_node("Expand", ["one", "shape"], ["big"], name="expand"),
                  relu_of("big")], [], [output("y")])


@hostile
def constant_of_shape_huge():
    return model([constant("shape", [2**14, 2**14]),
                  helper.make_node("ConstantOfShape", ["shape"], ["big"], name="fill"),
                  relu_of("big")], [], [output("y")])


@hostile
def add_huge():
    return model([constant("column", np.ones((2**14, 1)), np.float32),
                  constant("row", np.ones((1, 2**14)), np.float32),
                  helper.make_node("Add", ["column", "row"], ["big"], name="add"),
                  relu_of("big")], [], [output("y")])


@hostile
def concat_huge():
    # Each Expand stays at the per-tensor limit (and too large to fold); their concatenation
    # is over it.
    nodes = [constant("one", [1.0], np.float32), constant("shape", [2**27])]
    for i in range(3):
        nodes.append(helper.make_node("Expand", ["one", "shape"], [f"part{i}"], name=f"expand{i}"))
    nodes.append(helper.make_node("Concat", ["part0", "part1", "part2"], ["big"], name="concat",
                                  axis=0))
    return model(nodes + [relu_of("big")], [], [output("y")])


@hostile
def add_unfolded():
    # 2^23 elements: allowed, but beyond what the folders materialize; the Add is left for run
    # time.
    return model([constant("column", np.ones((2**12, 1)), np.float32),
                  constant("row", np.ones((1, 2**11)), np.float32),
                  helper.make_node("Add", ["column", "row"], ["y"], name="add")],
                 [], [output("y")])


@hostile
def expand_negative():
    return model([constant("one", [1.0], np.float32), constant("shape", [-5]),
                  helper.make_node("Expand", ["one", "shape"], ["big"], name="expand"),
                  relu_of("big")], [], [output("y")])


@hostile
def expand_int64_min():
    return model([constant("one", [1.0], np.float32), constant("shape", [INT64_MIN]),
                  helper.make_node("Expand", ["one", "shape"], ["big"], name="expand"),
                  relu_of("big")], [], [output("y")])


# Unbounded recursion: 100,000 Unsqueeze/Squeeze pairs between the ids and their table.
@hostile
def index_chain():
    nodes = [constant("axes", [0])]
    value = "ids"
    for i in range(100_000):
        nodes.append(helper.make_node("Unsqueeze", [value, "axes"], [f"u{i}"], name=f"u{i}"))
        nodes.append(helper.make_node("Squeeze", [f"u{i}", "axes"], [f"s{i}"], name=f"s{i}"))
        value = f"s{i}"
    nodes.append(helper.make_node("Gather", ["table", value], ["y"], name="gather"))
    table = numpy_helper.from_array(np.arange(20, dtype=np.float32).reshape(10, 2), "table")
    return model(nodes, [helper.make_tensor_value_info("ids", TensorProto.INT64, [4])],
                 [output("y")], initializers=[table])


# Tensors of absurd rank, in each place a shape is declared or inferred.
@hostile
def rank_input():
    return model([relu_of("x")], [float_input("x", [1] * 100)], [output("y")])


@hostile
def rank_initializer():
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1] * 100, [1.0])
    return model([relu_of("w")], [], [output("y")], initializers=[weight])


@hostile
def rank_inferred():
    return model([constant("shape", [1] * 100000),
                  helper.make_node("ConstantOfShape", ["shape"], ["big"], name="fill"),
                  relu_of("big")], [], [output("y")])


# Silent miscompiles.
@hostile
def slice_extreme_steps():
    # ONNX: one element each, x[4] and x[0].
    return model([constant("starts_back", [-1]), constant("ends_back", [INT64_MIN]),
                  constant("steps_back", [INT64_MIN]), constant("axes", [0]),
                  constant("starts", [0]), constant("ends", [INT64_MAX]),
                  constant("steps", [INT64_MAX]),
                  helper.make_node("Slice", ["x", "starts_back", "ends_back", "axes",
                                             "steps_back"], ["last"], name="slice_back"),
                  helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["first"],
                                   name="slice_forward")],
                 [float_input("x", [5])], [output("last"), output("first")])


@hostile
def reshape_overflow():
    # 2^62 * 4 wraps to 0 in int64.
    return model([constant("shape", [2**62, 4]),
                  helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
                  relu_of("r")], [float_input("x", [4])], [output("y")])


@hostile
def reshape_count_mismatch():
    return model([constant("shape", [7]),
                  helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
                  relu_of("r")], [float_input("x", [2, 3])], [output("y")])


@hostile
def pad_huge():
    return model([constant("pads", [0, 2**40]),
                  helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
                  relu_of("p")], [float_input("x", [4])], [output("y")])


@hostile
def split_attribute_opset13():
    return model([helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=0,
                                   split=[1, 3])],
                 [float_input("x", [4])], [output("a"), output("b")], opset=13)


@hostile
def squeeze_attribute_opset13():
    return model([helper.make_node("Squeeze", ["x"], ["y"], name="squeeze", axes=[0])],
                 [float_input("x", [1, 4])], [output("y")], opset=13)


@hostile
def unsqueeze_attribute_opset13():
    return model([constant("axes", [0]),
                  helper.make_node("Unsqueeze", ["x", "axes"], ["y"], name="unsqueeze",
                                   axes=[1])],
                 [float_input("x", [4])], [output("y")], opset=13)


@hostile
def initializer_shadows_input():
    mask = numpy_helper.from_array(np.ones(4, dtype=np.float32), "mask")
    return model([helper.make_node("Mul", ["x", "mask"], ["y"], name="mul")],
                 [float_input("x", [4]), float_input("mask", [4])], [output("y")],
                 initializers=[mask])


@hostile
def initializer_listed_ir3():
    # Before IR version 4 every initializer is listed among the inputs: still a constant.
    weight = numpy_helper.from_array(np.full(4, 2.0, dtype=np.float32), "w")
    return model([helper.make_node("Mul", ["x", "w"], ["y"], name="mul")],
                 [float_input("x", [4]), float_input("w", [4])], [output("y")],
                 initializers=[weight], ir_version=3, opset=11)


@hostile
def node_redefines_input():
    return model([helper.make_node("Relu", ["x"], ["x"], name="relu"),
                  helper.make_node("Relu", ["x"], ["y"], name="relu2")],
                 [float_input("x", [4])], [output("y")])


@hostile
def concat_many_inputs():
    names = ["x"] * 70000
    return model([helper.make_node("Concat", names, ["y"], name="concat", axis=0)],
                 [float_input("x", [1])], [output("y")])


# The generated header: names that are not C, or not unique once made C.
@hostile
def header_names():
    inputs = ["in*/ int injected; /*", "int", "a.b", "a-b", "NULL", "int64_t", "mbert_pool_t",
              "workspace", "pool", "9lives", "\u00e9t\u00e9", "x??/"]
    nodes = [helper.make_node("Relu", [name], [f"out{i}"], name=f"relu{i}")
             for i, name in enumerate(inputs)]
    nodes.append(helper.make_node("Relu", ["int"], ["for"], name="relu_for"))
    outputs = [output(f"out{i}") for i in range(len(inputs))] + [output("for")]
    return model(nodes, [float_input(name, [2]) for name in inputs], outputs)


@hostile
def duplicate_input():
    return model([relu_of("x")], [float_input("x", [4]), float_input("x", [4])], [output("y")])


@hostile
def duplicate_output():
    return model([relu_of("x")], [float_input("x", [4])], [output("y"), output("y")])


@hostile
def output_is_input():
    return model([relu_of("x")], [float_input("x", [4])], [output("y"), output("x")])


@hostile
def identical_outputs():
    # Two outputs computed by identical nodes: CSE makes them one value.
    return model([helper.make_node("Relu", ["x"], ["a"], name="relu_a"),
                  helper.make_node("Relu", ["x"], ["b"], name="relu_b")],
                 [float_input("x", [4])], [output("a"), output("b")])


# Error messages must not echo raw bytes: a node name with a newline and a terminal escape.
@hostile
def escape_in_name():
    return model([helper.make_node("Frobnicate", ["x"], ["y"],
                                   name="evil\nerror: forged\x1b[2J\u0085")],
                 [float_input("x", [4])], [output("y")])


def main():
    out_dir = sys.argv[1]
    names = sys.argv[2:] or sorted(MODELS)
    for name in names:
        save(MODELS[name](), f"{out_dir}/{name}.onnx")


if __name__ == "__main__":
    main()
