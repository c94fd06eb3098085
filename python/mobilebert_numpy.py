#!/usr/bin/python3
"""MobileBERT written again, in float64 numpy, straight from MOBILEBERT.md's forward-pass table.

    mobilebert_numpy.py EXPORT_DIR OUTPUT_DIR

Reads EXPORT_DIR/config.json and EXPORT_DIR/inputs/, regenerates the same seeded weights with
mbert_export.build_model, and writes OUTPUT_DIR/<output>.npy (float32). It shares only the weights
with the PyTorch module: the trigram, attention and residual wiring are re-derived from the spec,
in a different formulation (padded-window trigram, einsum attention, explicit step numbering).
Comparing its outputs with EXPORT_DIR/reference/ checks the module against the spec, and, because
it computes in float64, also shows how much of the fp32 reference is rounding error.
"""

import argparse
import json
import os
import sys

import numpy as np

import mbert_export


def linear(weights, prefix, x):
    # PyTorch layout: weight is [out, in].
    return x @ weights[prefix + ".weight"].T + weights[prefix + ".bias"]


def no_norm(weights, prefix, x):
    return x * weights[prefix + ".weight"] + weights[prefix + ".bias"]


def relu(x):
    return np.maximum(x, 0.0)


def softmax_last_axis(x):
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def embed(weights, input_ids, token_type_ids):
    token_vectors = weights["embeddings.word_embeddings.weight"][input_ids]
    batch, sequence_length, width = token_vectors.shape
    # One zero row on each side; windows at offsets +1, 0, -1 give (next, current, previous).
    padded = np.zeros((batch, sequence_length + 2, width))
    padded[:, 1:-1] = token_vectors
    trigram = np.concatenate([padded[:, 2:], padded[:, 1:-1], padded[:, :-2]], axis=-1)
    summed = (linear(weights, "embeddings.embedding_transformation", trigram)
              + weights["embeddings.position_embeddings.weight"][:sequence_length]
              + weights["embeddings.token_type_embeddings.weight"][token_type_ids])
    return no_norm(weights, "embeddings.LayerNorm", summed)


def attention(queries, keys, values, heads, mask_bias):
    batch, sequence_length, width = queries.shape
    head_width = width // heads

    def by_head(x):
        return x.reshape(batch, sequence_length, heads, head_width)

    scores = np.einsum("bqhd,bkhd->bhqk", by_head(queries), by_head(keys)) / np.sqrt(head_width)
    probabilities = softmax_last_axis(scores + mask_bias)
    return np.einsum("bhqk,bkhd->bqhd", probabilities, by_head(values)).reshape(batch, sequence_length, width)


def block(weights, config, index, h, mask_bias):
    p = f"encoder.layer.{index}."
    # Step 1: bottleneck input, the attention residual (and in TINY also Q, K and V's source).
    li = no_norm(weights, p + "bottleneck.input.LayerNorm", linear(weights, p + "bottleneck.input.dense", h))
    if config["use_bottleneck_attention"]:
        query_key_source, value_source = li, li
    elif config["key_query_shared_bottleneck"]:
        # Step 2: shared Q/K bottleneck; V reads the wide input.
        query_key_source = no_norm(weights, p + "bottleneck.attention.LayerNorm",
                                   linear(weights, p + "bottleneck.attention.dense", h))
        value_source = h
    else:
        query_key_source, value_source = h, h
    # Steps 3-4.
    context = attention(linear(weights, p + "attention.self.query", query_key_source),
                        linear(weights, p + "attention.self.key", query_key_source),
                        linear(weights, p + "attention.self.value", value_source),
                        config["num_attention_heads"], mask_bias)
    # Step 5.
    a = no_norm(weights, p + "attention.output.LayerNorm", linear(weights, p + "attention.output.dense", context) + li)
    # Step 6: all FFNs but the last.
    for ffn in range(config["num_feedforward_networks"] - 1):
        f = f"{p}ffn.{ffn}."
        inner = relu(linear(weights, f + "intermediate.dense", a))
        a = no_norm(weights, f + "output.LayerNorm", linear(weights, f + "output.dense", inner) + a)
    # Step 7: the last FFN.
    inner = relu(linear(weights, p + "intermediate.dense", a))
    o = no_norm(weights, p + "output.LayerNorm", linear(weights, p + "output.dense", inner) + a)
    # Step 8: back to the hidden width, residual from the block input.
    return no_norm(weights, p + "output.bottleneck.LayerNorm", linear(weights, p + "output.bottleneck.dense", o) + h)


def forward(weights, config, mask_bias_value, inputs):
    mask = inputs["attention_mask"].astype(np.float64)
    mask_bias = (1.0 - mask[:, None, None, :]) * mask_bias_value
    h = embed(weights, inputs["input_ids"], inputs["token_type_ids"])
    for index in range(config["num_hidden_layers"]):
        h = block(weights, config, index, h, mask_bias)
    if config["head"] == "qa":
        logits = linear(weights, "qa_outputs", h)
        return {"start_logits": logits[..., 0], "end_logits": logits[..., 1]}
    if config["head"] == "cls":
        return {"logits": linear(weights, "classifier", h[:, 0])}
    return {"last_hidden_state": h}


def load_export(export_dir):
    """Returns (config.json contents, float64 weights by parameter name, inputs by name)."""
    with open(os.path.join(export_dir, "config.json")) as config_file:
        description = json.load(config_file)
    model = mbert_export.build_model(mbert_export.MobileBertConfig(**description["config"]), description["seed"])
    weights = {name: tensor.detach().numpy().astype(np.float64) for name, tensor in model.state_dict().items()}
    inputs = {name: np.load(os.path.join(export_dir, "inputs", name + ".npy"))
              for name in description["input_names"]}
    return description, weights, inputs


def forward_float32(export_dir):
    """The spec's outputs for an export's weights and test inputs, rounded to float32 at the end."""
    description, weights, inputs = load_export(export_dir)
    outputs = forward(weights, description["config"], description["mask_bias_value"], inputs)
    return {name: array.astype(np.float32) for name, array in outputs.items()}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export_dir")
    parser.add_argument("output_dir")
    arguments = parser.parse_args(argv)

    outputs = forward_float32(arguments.export_dir)
    mbert_export.save_arrays(arguments.output_dir, outputs)
    for name, array in outputs.items():
        print(f"{name}: {array.dtype}{list(array.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
