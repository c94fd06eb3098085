#!/usr/bin/python3
"""Writes the exporter's seeded model as a Hugging Face MobileBERT checkpoint folder.

The folder is what `save_pretrained` leaves: config.json with Hugging Face's keys and the weights
under Hugging Face's names ("mobilebert." prefix, the masked-LM head as cls.predictions.*, the
tied decoder weight and the position_ids buffer included), as model.safetensors (written here,
float32) or pytorch_model.bin (torch.save). `mbert_export.py --checkpoint` on it must then export
exactly the model that the same seed exports.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
import mbert_export  # noqa: E402
from mbert_checkpoint import HEAD_RENAMES  # noqa: E402

ARCHITECTURES = {"none": "MobileBertModel", "qa": "MobileBertForQuestionAnswering",
                 "cls": "MobileBertForSequenceClassification", "mlm": "MobileBertForMaskedLM"}


def hugging_face_state(model):
    exporter_to_hf = {exporter: hf for hf, exporter in HEAD_RENAMES.items()}
    state = {}
    for name, tensor in model.state_dict().items():
        if name in exporter_to_hf:
            state[exporter_to_hf[name]] = tensor
        elif name.startswith(("qa_outputs.", "classifier.")):
            state[name] = tensor
        else:
            state["mobilebert." + name] = tensor
    state["mobilebert.embeddings.position_ids"] = torch.arange(
        model.config.max_position_embeddings).unsqueeze(0)
    if model.config.head == "mlm":
        state["cls.predictions.decoder.weight"] = model.embeddings.word_embeddings.weight
        state["cls.predictions.decoder.bias"] = model.predictions.bias
    return {name: tensor.detach().contiguous() for name, tensor in state.items()}


def hugging_face_config(config):
    hf = {
        "architectures": [ARCHITECTURES[config.head]], "model_type": "mobilebert",
        "vocab_size": config.vocab_size, "embedding_size": config.embedding_size,
        "hidden_size": config.hidden_size, "intra_bottleneck_size": config.intra_bottleneck_size,
        "true_hidden_size": config.intra_bottleneck_size,
        "num_hidden_layers": config.num_hidden_layers,
        "num_attention_heads": config.num_attention_heads,
        "intermediate_size": config.intermediate_size,
        "num_feedforward_networks": config.num_feedforward_networks,
        "max_position_embeddings": config.max_position_embeddings,
        "type_vocab_size": config.type_vocab_size,
        "use_bottleneck": True, "use_bottleneck_attention": config.use_bottleneck_attention,
        "key_query_shared_bottleneck": config.key_query_shared_bottleneck,
        "trigram_input": True, "normalization_type": "no_norm", "hidden_act": "relu",
        "classifier_activation": False, "layer_norm_eps": config.layer_norm_eps,
        "pad_token_id": 0,
    }
    if config.head == "cls":
        hf["id2label"] = {str(i): f"LABEL_{i}" for i in range(config.num_labels)}
        hf["label2id"] = {f"LABEL_{i}": i for i in range(config.num_labels)}
    return hf


def write_safetensors(path, state):
    dtypes = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in state.items():
        dtype_name, numpy_dtype = dtypes[tensor.dtype]
        data = tensor.numpy().astype(numpy_dtype).tobytes()
        header[name] = {"dtype": dtype_name, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header).encode()
    # The format pads the header with spaces to a multiple of 8 bytes.
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", choices=["safetensors", "bin"], required=True)
    parser.add_argument("--checkpoint-out", required=True)
    exporter_argv = sys.argv[1:]
    arguments, exporter_rest = parser.parse_known_args(exporter_argv)
    # The model options are the exporter's own, so both sides build the same model.
    exporter_arguments = mbert_export.parse_arguments(exporter_rest + ["--out", arguments.checkpoint_out])
    config = mbert_export.config_from_arguments(exporter_arguments)
    model = mbert_export.build_model(config, exporter_arguments.seed)
    os.makedirs(arguments.checkpoint_out, exist_ok=True)
    with open(os.path.join(arguments.checkpoint_out, "config.json"), "w") as file:
        json.dump(hugging_face_config(config), file, indent=2)
    state = hugging_face_state(model)
    if arguments.format == "safetensors":
        write_safetensors(os.path.join(arguments.checkpoint_out, "model.safetensors"), state)
    else:
        torch.save(state, os.path.join(arguments.checkpoint_out, "pytorch_model.bin"))
    print(f"{arguments.checkpoint_out}: {len(state)} tensors, {arguments.format}")


if __name__ == "__main__":
    main()
