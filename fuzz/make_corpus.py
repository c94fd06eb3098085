#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus into fuzz/corpus/<target>/ (kept in the repository, under
1 MB in all; run again after changing this file).

  onnx/       MobileBERT exports of toy width (every head, opsets 11 to 17, the mask styles, with
              and without token_type_ids, TINY), the frontend tests' JSON models as binary
              protobuf, and one model whose weight lives in the fuzz targets' external data file
  npy/        arrays of every dtype the reader takes, format versions 1.0, 2.0 and 3.0, ranks 0-3
  tokenizer/  inputs in the layout fuzz/tokenizer_fuzzer.c describes

The onnx-structured target starts from the onnx seeds (scripts/fuzz.sh)."""
import argparse
import glob
import io
import os
import shutil
import struct
import sys
import tempfile

import numpy as np
import onnx
from google.protobuf import json_format
from onnx import TensorProto, helper

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "python"))


def toy_mobilebert_models():
    """(name, ModelProto bytes) of toy-width exports that still have every MobileBERT pattern."""
    import mbert_export

    toy = ["--layers", "1", "--hidden", "16", "--bottleneck", "8", "--intermediate", "16",
           "--embedding", "8", "--heads", "2", "--vocab", "12", "--max-positions", "8",
           "--seq-len", "4", "--ffn", "1"]
    variants = {
        "mobilebert-opset14": [],
        "mobilebert-opset11-tiny-qa": ["--opset", "11", "--tiny", "--head", "qa"],
        "mobilebert-opset13-cls": ["--opset", "13", "--head", "cls"],
        "mobilebert-opset17-mlm-min-mask": ["--opset", "17", "--head", "mlm", "--mask-bias", "min"],
        "mobilebert-where-mask-no-types": ["--mask-bias", "where", "--no-token-type-ids"],
    }
    for name, extra in variants.items():
        with tempfile.TemporaryDirectory() as folder:
            arguments = mbert_export.parse_arguments(toy + extra + ["--out", folder])
            with open(os.devnull, "w") as quiet:
                stdout, sys.stdout = sys.stdout, quiet
                try:
                    mbert_export.export(arguments)
                finally:
                    sys.stdout = stdout
            with open(os.path.join(folder, "model.onnx"), "rb") as model:
                yield name, model.read()


def frontend_test_models():
    for path in sorted(glob.glob(os.path.join(root, "test", "Frontend", "*.onnx.json"))):
        with open(path) as text:
            json = "".join(line for line in text if not line.lstrip().startswith("//"))
        model = onnx.ModelProto()
        json_format.Parse(json, model)
        yield "frontend-" + os.path.basename(path)[: -len(".onnx.json")], model.SerializeToString()


def external_data_model():
    """y = x + w, with w's 16 bytes at offset 64 of the external data file the fuzz targets
    provide (fuzz/FuzzExternalData.h)."""
    weight = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4],
                         data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "weights.bin"), ("offset", "64"), ("length", "16")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"], name="add")], "external",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    return model.SerializeToString()


def npy_images():
    arrays = {
        "f4-2x3": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f8-scalar": np.array(2.5),
        "i4-4": np.array([1, -2, 3, -4], np.int32),
        "i8-1x4": np.array([[101, 2023, 102, 0]], np.int64),
        "u1-2x2x2": np.arange(8, dtype=np.uint8).reshape(2, 2, 2),
        "i1-3": np.array([-128, 0, 127], np.int8),
        "b1-2x2": np.array([[True, False], [False, True]]),
        "f4-empty-0x3": np.zeros((0, 3), np.float32),
    }
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array)
        yield name + ".npy", buffer.getvalue()
    array = arrays["f4-2x3"]
    for version in ((2, 0), (3, 0)):
        buffer = io.BytesIO()
        np.lib.format._write_array_header(buffer, np.lib.format.header_data_from_array_1_0(array),
                                          version)
        buffer.write(array.tobytes())
        yield f"f4-2x3-v{version[0]}.npy", buffer.getvalue()


def tokenizer_inputs():
    def header(flags, overflow, sequence_length, stride, windows):
        return bytes([flags, overflow, sequence_length, stride, windows])

    uncased = 3
    own_vocab = 4
    pair = 8
    vocab = b"[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##lo\nhel\nworld\n!\n"
    yield "single-uncased", header(uncased, 0, 16, 0, 1) + b"The quick brown foxes, unbelievable!"
    yield "single-cased-truncated", header(0, 0, 6, 0, 1) + "Café naïve 中文 İ 😀".encode()
    yield "pair-only-second", header(uncased | pair, 1, 12, 0, 1) + b"who runs?\0the fox runs."
    yield "pair-windows", header(uncased | pair, 2, 10, 2, 4) + b"a b\0" + b"the quick brown fox " * 4
    yield "single-windows", header(uncased, 2, 8, 3, 8) + "ᄒ하 123 45 $$ (a) [b]".encode()
    yield "own-vocab", header(uncased | own_vocab, 0, 8, 0, 1) + vocab + b"\0hello hello world!"
    yield "own-vocab-pair", header(own_vocab | pair, 2, 9, 1, 3) + vocab + b"\0hello\0hel##lo world"


def write(folder, files):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    total = 0
    for name, data in files:
        with open(os.path.join(folder, name), "wb") as output:
            output.write(data)
        total += len(data)
    return total


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    corpus = os.path.join(root, "fuzz", "corpus")
    onnx_seeds = [(name + ".onnx", data) for name, data in toy_mobilebert_models()]
    onnx_seeds += [(name + ".onnx", data) for name, data in frontend_test_models()]
    onnx_seeds.append(("external-data.onnx", external_data_model()))
    total = write(os.path.join(corpus, "onnx"), onnx_seeds)
    total += write(os.path.join(corpus, "npy"), npy_images())
    total += write(os.path.join(corpus, "tokenizer"), tokenizer_inputs())
    print(f"{corpus}: {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
