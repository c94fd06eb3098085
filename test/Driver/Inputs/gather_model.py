"""Writes a model that gathers rows of a 500x16 f32 table (32 KB, written to
table.bin as well) by token id: a weight large enough to be deferred, which
reaches the object unchanged."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
table = np.random.default_rng(7).standard_normal((500, 16)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Gather", ["table", "ids"], ["rows"], name="lookup")],
    "gather",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 8])],
    [helper.make_tensor_value_info("rows", TensorProto.FLOAT, [1, 8, 16])],
    [numpy_helper.from_array(table, "table")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
onnx.save(model, os.path.join(out, "model.onnx"))
table.tofile(os.path.join(out, "table.bin"))
