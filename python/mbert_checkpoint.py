"""Reading a Hugging Face MobileBERT checkpoint folder into the exporter's model.

A checkpoint folder holds config.json and the weights as model.safetensors or pytorch_model.bin.
The exporter's modules are named as Hugging Face's, without the "mobilebert." prefix, so most
parameters map by dropping it; the masked-LM head differs in layout (see HEAD_RENAMES). Only what
the exporter can build is accepted: NoNorm normalization, the trigram input, bottlenecks, ReLU and
a classifier on h[:, 0] without a pooler. Anything else is a CheckpointError naming the setting or
the parameter, never a silently different model.

safetensors files are read here (an 8-byte little-endian header length, a JSON header giving each
tensor's dtype, shape and byte range, then the raw little-endian data) so that no package beyond
torch and numpy is needed.
"""

import json
import os
import struct

import numpy as np
import torch

SAFETENSORS_FILE = "model.safetensors"
PYTORCH_FILE = "pytorch_model.bin"

# safetensors dtype names -> numpy little-endian dtypes. BF16 has no numpy dtype: read as uint16.
SAFETENSORS_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?",
}

# Hugging Face names (after the "mobilebert." prefix is dropped) -> the exporter's, for the
# masked-LM head, whose transform the exporter keeps as two flat modules.
HEAD_RENAMES = {
    "cls.predictions.transform.dense.weight": "predictions.transform_dense.weight",
    "cls.predictions.transform.dense.bias": "predictions.transform_dense.bias",
    "cls.predictions.transform.LayerNorm.weight": "predictions.transform_LayerNorm.weight",
    "cls.predictions.transform.LayerNorm.bias": "predictions.transform_LayerNorm.bias",
    "cls.predictions.dense.weight": "predictions.dense.weight",
    "cls.predictions.bias": "predictions.bias",
}
# Buffers and aliases that carry no weights of their own: position ids are an arange, the decoder
# bias is cls.predictions.bias, and the decoder weight is tied to the word embeddings (checked).
IGNORED = {"embeddings.position_ids", "cls.predictions.decoder.bias"}
DECODER_WEIGHT = "cls.predictions.decoder.weight"


class CheckpointError(ValueError):
    pass


def read_safetensors(path):
    """The tensors of a .safetensors file, as float32/int64 torch tensors by name."""
    with open(path, "rb") as file:
        data = file.read()
    if len(data) < 8:
        raise CheckpointError(f"{path}: too short for a safetensors file")
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size > len(data) - 8:
        raise CheckpointError(f"{path}: the header length {header_size} exceeds the file")
    try:
        header = json.loads(data[8:8 + header_size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: the header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object")
    payload = memoryview(data)[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype_name, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise CheckpointError(f"{path}: tensor {name!r} lacks dtype, shape or data_offsets") from None
        if dtype_name not in SAFETENSORS_DTYPES:
            raise CheckpointError(f"{path}: tensor {name!r} has the unsupported dtype {dtype_name}")
        dtype = np.dtype(SAFETENSORS_DTYPES[dtype_name])
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(payload) or end - begin != count * dtype.itemsize:
            raise CheckpointError(f"{path}: tensor {name!r}: bytes [{begin}, {end}) do not hold "
                                  f"{dtype_name}{list(shape)} inside the file")
        array = np.frombuffer(payload[begin:end], dtype=dtype).reshape(shape)
        if dtype_name == "BF16":
            # bfloat16 is the top half of a float32.
            array = (array.astype(np.uint32) << 16).view(np.float32)
        elif array.dtype.kind == "f":
            array = array.astype(np.float32)
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def read_weights(directory):
    """The state dict of a checkpoint folder, from model.safetensors or pytorch_model.bin."""
    safetensors_path = os.path.join(directory, SAFETENSORS_FILE)
    pytorch_path = os.path.join(directory, PYTORCH_FILE)
    if os.path.exists(safetensors_path):
        return read_safetensors(safetensors_path)
    if os.path.exists(pytorch_path):
        try:
            # weights_only: a checkpoint from elsewhere must not run code when loaded.
            state = torch.load(pytorch_path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises many types for corrupt files
            raise CheckpointError(f"{pytorch_path}: cannot be read as a PyTorch state dict: {error}") from None
        if not isinstance(state, dict):
            raise CheckpointError(f"{pytorch_path}: holds a {type(state).__name__}, not a state dict")
        return {name: tensor.float() if tensor.is_floating_point() else tensor for name, tensor in state.items()}
    raise CheckpointError(f"{directory}: neither {SAFETENSORS_FILE} nor {PYTORCH_FILE} found "
                          "(sharded checkpoints are not read)")


def read_config(directory):
    path = os.path.join(directory, "config.json")
    try:
        with open(path) as file:
            config = json.load(file)
    except FileNotFoundError:
        raise CheckpointError(f"{directory}: no config.json (not a Hugging Face checkpoint folder)") from None
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{path}: not JSON: {error}") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: not a JSON object")
    return config


def detect_head(names):
    if "qa_outputs.weight" in names:
        return "qa"
    if "classifier.weight" in names:
        return "cls"
    if "cls.predictions.bias" in names:
        return "mlm"
    return "none"


def architecture_from_config(config, head):
    """Keyword arguments of mbert_export.MobileBertConfig for a Hugging Face config.json."""
    def require(key, expected, default):
        value = config.get(key, default)
        if value != expected:
            raise CheckpointError(f"config.json: {key} = {value!r} is not supported (the exporter "
                                  f"builds MobileBERT with {key} = {expected!r})")

    if config.get("model_type", "mobilebert") != "mobilebert":
        raise CheckpointError(f"config.json: model_type {config['model_type']!r} is not mobilebert")
    require("normalization_type", "no_norm", "no_norm")
    require("trigram_input", True, True)
    require("use_bottleneck", True, True)
    require("hidden_act", "relu", "relu")
    if head == "cls":
        require("classifier_activation", False, True)
    try:
        arguments = dict(
            vocab_size=int(config["vocab_size"]),
            embedding_size=int(config.get("embedding_size", 128)),
            hidden_size=int(config["hidden_size"]),
            intra_bottleneck_size=int(config.get("intra_bottleneck_size", 128)),
            num_hidden_layers=int(config["num_hidden_layers"]),
            num_attention_heads=int(config["num_attention_heads"]),
            intermediate_size=int(config["intermediate_size"]),
            num_feedforward_networks=int(config.get("num_feedforward_networks", 4)),
            max_position_embeddings=int(config.get("max_position_embeddings", 512)),
            type_vocab_size=int(config.get("type_vocab_size", 2)),
            use_bottleneck_attention=bool(config.get("use_bottleneck_attention", False)),
            key_query_shared_bottleneck=bool(config.get("key_query_shared_bottleneck", True)),
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
            head=head,
        )
    except KeyError as error:
        raise CheckpointError(f"config.json: missing {error.args[0]}") from None
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"config.json: {error}") from None
    if head == "cls":
        labels = config.get("id2label")
        arguments["num_labels"] = len(labels) if isinstance(labels, dict) else int(config.get("num_labels", 2))
    return arguments


def to_exporter_names(weights):
    """Renames Hugging Face parameters to the exporter's; drops buffers and tied aliases."""
    renamed = {}
    for name, tensor in weights.items():
        short = name[len("mobilebert."):] if name.startswith("mobilebert.") else name
        if short in IGNORED:
            continue
        if short == DECODER_WEIGHT:
            embeddings = weights.get("mobilebert.embeddings.word_embeddings.weight",
                                     weights.get("embeddings.word_embeddings.weight"))
            if embeddings is None or not torch.equal(tensor, embeddings):
                raise CheckpointError(f"{name} differs from the word embeddings: untied decoders "
                                      "are not supported")
            continue
        renamed[HEAD_RENAMES.get(short, short)] = tensor
    return renamed


def load_into(model, weights):
    """Copies `weights` (exporter names) into `model`, every parameter exactly once."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    if missing or unexpected:
        def some(names):
            return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        parts = ([f"missing {some(missing)}"] if missing else []) + \
                ([f"not in the model: {some(unexpected)}"] if unexpected else [])
        raise CheckpointError("the checkpoint does not match its config.json: " + "; ".join(parts))
    for name, tensor in weights.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise CheckpointError(f"{name}: shape {list(tensor.shape)} in the checkpoint, "
                                  f"{list(expected[name].shape)} in the model its config.json describes")
    model.load_state_dict(weights, strict=True)


def load_checkpoint(directory, make_config, make_model):
    """Builds the exporter's model from a checkpoint folder.

    make_config(**architecture) and make_model(config) are the exporter's MobileBertConfig and
    MobileBertForExport, passed in so that this module does not import the exporter script."""
    if not os.path.isdir(directory):
        raise CheckpointError(f"{directory}: not a folder")
    config_json = read_config(directory)
    weights = read_weights(directory)
    head = detect_head({name[len("mobilebert."):] if name.startswith("mobilebert.") else name
                        for name in weights})
    config = make_config(**architecture_from_config(config_json, head))
    model = make_model(config)
    load_into(model, to_exporter_names(weights))
    return model.eval()
