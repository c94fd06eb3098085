#!/usr/bin/python3
"""Export a randomly initialised MobileBERT to ONNX, with a test input and PyTorch reference outputs.

The model follows the project's MobileBERT spec (MOBILEBERT.md). Module and parameter names follow
the Hugging Face layout (without the `mobilebert.` prefix) so that the exported graph looks like
the exports the compiler meets in practice: Linear layers become MatMul + Add on transposed
constant weights, NoNorm becomes Mul + Add, the trigram is Slice/Pad/Concat and the head split is
Reshape/Transpose. The head split reads shapes through x.size() as Hugging Face does; with fixed
shapes torch folds that into constant Reshape targets, with --dynamic-axes it stays as
Shape/Gather/Concat plumbing.

Weights are random but deterministic from --seed, and scaled so that all 24 layers stay finite,
activations stay O(1..10) and attention is neither uniform nor one-hot: a compiler test at a
relative tolerance of 1e-4 of the largest output magnitude then checks every layer, not just
biases or saturated values.

Writes, under --out DIR:
  model.onnx                      the graph (fixed shapes unless --dynamic-axes)
  inputs/<input name>.npy         int64 [B,S] test inputs
  reference/<output name>.npy     float32 PyTorch outputs for those inputs
  lengths/<L>/inputs/<input name>.npy      with --reference-lengths, for each L: int64 [B,L] inputs
  lengths/<L>/reference/<output name>.npy  and PyTorch's float32 outputs for them
  config.json                     configuration, input and output names, reference lengths

--reference-lengths serves models compiled for run-time sequence lengths: the inputs at length L
are the test inputs drawn for --seq-len L with the attention mask all ones, a sequence of exactly L
real tokens, and the reference is PyTorch run on exactly those L positions (not on a padded
--seq-len input). The ONNX graph is the same whatever the lengths; whether it accepts them is up to
--seq-len and --dynamic-axes.
"""

import argparse
import dataclasses
import glob
import json
import math
import os
import shutil
import sys
import time
import warnings

import numpy as np
import onnx
import torch
from torch import nn
from torch.nn import functional as F

from mbert_checkpoint import load_checkpoint

INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUT_NAMES_BY_HEAD = {
    "none": ["last_hidden_state"],
    "qa": ["start_logits", "end_logits"],
    "cls": ["logits"],
    "mlm": ["logits"],
}
# Id of BERT's [CLS] token: the test input starts with it, as real inputs do.
CLS_TOKEN_ID = 101


@dataclasses.dataclass
class MobileBertConfig:
    vocab_size: int = 30522
    embedding_size: int = 128
    hidden_size: int = 512
    intra_bottleneck_size: int = 128
    num_hidden_layers: int = 24
    num_attention_heads: int = 4
    intermediate_size: int = 512
    num_feedforward_networks: int = 4
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    use_bottleneck_attention: bool = False
    key_query_shared_bottleneck: bool = True
    # Added to attention scores at padded key positions: -10000 (older exports), "min", or "where"
    # for Where(bool mask, 0, -inf) as torch's scaled_dot_product_attention export builds it.
    mask_bias: str = "-10000"
    head: str = "none"
    num_labels: int = 2
    # Without token_type_ids the model uses token type 0 everywhere, as Hugging Face does.
    use_token_type_ids: bool = True
    layer_norm_eps: float = 1e-12
    # Outlier channels added per residual-stream NoNorm, and their factor (add_outlier_channels).
    outlier_channels: int = 0
    outlier_scale: float = 40.0

    def mask_bias_value(self):
        if self.mask_bias == "min":
            return float(torch.finfo(torch.float32).min)
        if self.mask_bias == "where":
            return float("-inf")
        return float(self.mask_bias)

    def input_names(self):
        return INPUT_NAMES if self.use_token_type_ids else INPUT_NAMES[:2]

    def query_key_input_size(self):
        # Q and K read a 128-wide bottleneck unless neither bottleneck variant is on, in which
        # case they read the 512-wide residual stream directly.
        if self.use_bottleneck_attention or self.key_query_shared_bottleneck:
            return self.intra_bottleneck_size
        return self.hidden_size

    def value_input_size(self):
        # V reads the 512-wide block input, except in TINY where everything comes from one bottleneck.
        if self.use_bottleneck_attention:
            return self.intra_bottleneck_size
        return self.hidden_size


class NoNorm(nn.Module):
    """MobileBERT's LayerNorm replacement: a per-channel affine map, no statistics, no epsilon."""

    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, x):
        return x * self.weight + self.bias


class MobileBertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.embedding_size)
        # The trigram concatenates three embedding-width vectors per position.
        self.embedding_transformation = nn.Linear(3 * config.embedding_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = NoNorm(config.hidden_size)
        # A buffer rather than an arange in forward: the export then slices a constant, which
        # constant folding turns into a ready-made [1,S,hidden] position table for fixed shapes.
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).unsqueeze(0), persistent=False
        )

    def forward(self, input_ids, token_type_ids=None):
        sequence_length = input_ids.size(1)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        token_vectors = self.word_embeddings(input_ids)
        # Trigram in the order (next, current, previous). The neighbours beyond either end of the
        # sequence are zero rows; the attention mask plays no part here.
        # F.pad's list runs from the last axis backwards: (feature lo, feature hi, seq lo, seq hi).
        next_vectors = F.pad(token_vectors[:, 1:], [0, 0, 0, 1], value=0.0)
        previous_vectors = F.pad(token_vectors[:, :-1], [0, 0, 1, 0], value=0.0)
        trigram = torch.cat([next_vectors, token_vectors, previous_vectors], dim=2)
        projected = self.embedding_transformation(trigram)
        positions = self.position_embeddings(self.position_ids[:, :sequence_length])
        token_types = self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(projected + positions + token_types)


class BottleneckLayer(nn.Module):
    """Linear(hidden -> bottleneck) then NoNorm: the narrow stream a block works in."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intra_bottleneck_size)
        self.LayerNorm = NoNorm(config.intra_bottleneck_size)

    def forward(self, hidden_states):
        return self.LayerNorm(self.dense(hidden_states))


class Bottleneck(nn.Module):
    """Chooses what Q, K, V and the attention residual read, by configuration."""

    def __init__(self, config):
        super().__init__()
        self.use_bottleneck_attention = config.use_bottleneck_attention
        self.input = BottleneckLayer(config)
        # TINY has no separate Q/K bottleneck; creating one anyway would export unused weights.
        self.shares_query_key_bottleneck = (
            config.key_query_shared_bottleneck and not config.use_bottleneck_attention
        )
        if self.shares_query_key_bottleneck:
            self.attention = BottleneckLayer(config)

    def forward(self, hidden_states):
        """Returns (query source, key source, value source, attention residual)."""
        bottlenecked = self.input(hidden_states)
        if self.use_bottleneck_attention:
            return bottlenecked, bottlenecked, bottlenecked, bottlenecked
        if self.shares_query_key_bottleneck:
            shared = self.attention(hidden_states)
            return shared, shared, hidden_states, bottlenecked
        return hidden_states, hidden_states, hidden_states, bottlenecked


class MobileBertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.intra_bottleneck_size % config.num_attention_heads:
            raise ValueError("the bottleneck width must be a multiple of the head count")
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.intra_bottleneck_size // config.num_attention_heads
        self.all_head_size = config.intra_bottleneck_size
        self.query = nn.Linear(config.query_key_input_size(), self.all_head_size)
        self.key = nn.Linear(config.query_key_input_size(), self.all_head_size)
        self.value = nn.Linear(config.value_input_size(), self.all_head_size)

    def split_heads(self, x):
        # Shapes come from x.size() as in Hugging Face's code, so the export carries the same
        # Shape/Gather/Concat/Reshape plumbing the compiler must see through.
        per_head_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(per_head_shape).permute(0, 2, 1, 3)

    def forward(self, query_source, key_source, value_source, mask_bias):
        queries = self.split_heads(self.query(query_source))
        keys = self.split_heads(self.key(key_source))
        values = self.split_heads(self.value(value_source))
        scores = torch.matmul(queries, keys.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        probabilities = torch.softmax(scores + mask_bias, dim=-1)
        context = torch.matmul(probabilities, values).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (self.all_head_size,))


class ResidualNoNormOutput(nn.Module):
    """NoNorm(Linear(x) + residual): the attention output, FFN outputs and output bottleneck."""

    def __init__(self, input_size, output_size):
        super().__init__()
        self.dense = nn.Linear(input_size, output_size)
        self.LayerNorm = NoNorm(output_size)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class MobileBertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = MobileBertSelfAttention(config)
        self.output = ResidualNoNormOutput(config.intra_bottleneck_size, config.intra_bottleneck_size)

    def forward(self, query_source, key_source, value_source, residual, mask_bias):
        context = self.self(query_source, key_source, value_source, mask_bias)
        return self.output(context, residual)


class MobileBertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intra_bottleneck_size, config.intermediate_size)

    def forward(self, x):
        return torch.relu(self.dense(x))


class FeedForward(nn.Module):
    """One of the stacked FFNs that precede a block's final one (Hugging Face's FFNLayer)."""

    def __init__(self, config):
        super().__init__()
        self.intermediate = MobileBertIntermediate(config)
        self.output = ResidualNoNormOutput(config.intermediate_size, config.intra_bottleneck_size)

    def forward(self, x):
        return self.output(self.intermediate(x), x)


class MobileBertOutput(nn.Module):
    """The block's last FFN output followed by the output bottleneck back to the hidden width."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.intra_bottleneck_size)
        self.LayerNorm = NoNorm(config.intra_bottleneck_size)
        self.bottleneck = ResidualNoNormOutput(config.intra_bottleneck_size, config.hidden_size)

    def forward(self, intermediate_states, ffn_residual, block_input):
        narrow = self.LayerNorm(self.dense(intermediate_states) + ffn_residual)
        # The residual here is the 512-wide block input, skipping the whole block.
        return self.bottleneck(narrow, block_input)


class MobileBertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = MobileBertAttention(config)
        self.intermediate = MobileBertIntermediate(config)
        self.output = MobileBertOutput(config)
        self.bottleneck = Bottleneck(config)
        # The last of the num_feedforward_networks FFNs is intermediate + output above.
        self.ffn = nn.ModuleList(FeedForward(config) for _ in range(config.num_feedforward_networks - 1))

    def forward(self, hidden_states, mask_bias):
        query_source, key_source, value_source, residual = self.bottleneck(hidden_states)
        narrow = self.attention(query_source, key_source, value_source, residual, mask_bias)
        for feed_forward in self.ffn:
            narrow = feed_forward(narrow)
        return self.output(self.intermediate(narrow), narrow, hidden_states)


class MobileBertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList(MobileBertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, hidden_states, mask_bias):
        for block in self.layer:
            hidden_states = block(hidden_states, mask_bias)
        return hidden_states


class MaskedLanguageModelHead(nn.Module):
    """Hugging Face's MobileBertLMPredictionHead: a transform with a real LayerNorm, then scores
    against every vocabulary entry.

    The decoder matrix [hidden, vocab] is the transposed word-embedding table (embedding_size rows,
    tied to the input embedding) stacked on an untied [hidden - embedding_size, vocab] matrix.
    """

    def __init__(self, config, word_embeddings):
        super().__init__()
        self.transform_dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.word_embeddings = word_embeddings
        self.dense = nn.Linear(config.vocab_size, config.hidden_size - config.embedding_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))

    def forward(self, hidden_states):
        transformed = self.transform_LayerNorm(torch.relu(self.transform_dense(hidden_states)))
        decoder = torch.cat([self.word_embeddings.weight.t(), self.dense.weight], dim=0)
        return transformed.matmul(decoder) + self.bias


class MobileBertForExport(nn.Module):
    """Encoder plus an optional task head; returns a tuple in OUTPUT_NAMES_BY_HEAD order."""

    def __init__(self, config):
        super().__init__()
        if config.num_feedforward_networks < 1:
            raise ValueError("a block needs at least one feed-forward network")
        self.config = config
        self.embeddings = MobileBertEmbeddings(config)
        self.encoder = MobileBertEncoder(config)
        if config.head == "qa":
            self.qa_outputs = nn.Linear(config.hidden_size, 2)
        elif config.head == "cls":
            # No pooler weights: released MobileBERT pools by taking h[:, 0] as is.
            self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        elif config.head == "mlm":
            if config.hidden_size <= config.embedding_size:
                raise ValueError("the masked-LM decoder needs --hidden larger than --embedding")
            self.predictions = MaskedLanguageModelHead(config, self.embeddings.word_embeddings)

    def mask_bias(self, attention_mask):
        """One bias for every layer, broadcast over heads and query positions."""
        key_mask = attention_mask[:, None, None, :]
        if self.config.mask_bias == "where":
            # What scaled_dot_product_attention's export does with a bool mask.
            return torch.where(key_mask.bool(), torch.zeros((), dtype=torch.float32),
                               torch.full((), float("-inf"), dtype=torch.float32))
        return (1.0 - key_mask.float()) * self.config.mask_bias_value()

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        hidden_states = self.encoder(self.embeddings(input_ids, token_type_ids), self.mask_bias(attention_mask))
        if self.config.head == "qa":
            start_logits, end_logits = self.qa_outputs(hidden_states).split(1, dim=-1)
            return start_logits.squeeze(-1), end_logits.squeeze(-1)
        if self.config.head == "cls":
            return (self.classifier(hidden_states[:, 0]),)
        if self.config.head == "mlm":
            return (self.predictions(hidden_states),)
        return (hidden_states,)


def initialize_weights(model, seed):
    """Draws every parameter from one seeded generator, in registration order.

    The scales were chosen by measuring the 24-layer model on the test input:
    - embedding tables N(0, 0.5): the residual stream starts at |h| ~ 0.6 instead of ~0.15, so the
      attention scores of the first layers are not all near zero;
    - Linear weights N(0, (0.5)^2 / fan_in): each sublayer adds a fraction of its input, so the
      stream grows slowly (mean |h| ~ 2, max ~ 15 after 24 layers) rather than geometrically;
    - Q and K weights 4x larger than that: softmax rows are then neither uniform (which would hide
      errors in Q and K) nor one-hot; the mean largest probability rises from ~0.03 in the first
      layer to ~0.6 in the last, against 1/96 for uniform;
    - NoNorm gamma 1 + N(0, 0.1) so that folding gammas changes the numbers; non-zero betas and
      biases so that dropping one is an error, not a no-op.
    """
    generator = torch.Generator().manual_seed(seed)

    def normal(shape, std, mean=0.0):
        return torch.randn(shape, generator=generator) * std + mean

    with torch.no_grad():
        for module_name, module in model.named_modules():
            if isinstance(module, nn.Embedding):
                module.weight.copy_(normal(module.weight.shape, 0.5))
            elif isinstance(module, nn.Linear):
                is_query_or_key = module_name.endswith((".self.query", ".self.key"))
                gain = 2.0 if is_query_or_key else 0.5
                # The masked-LM decoder's untied rows are stored as a Linear(vocab -> rest) whose
                # weight multiplies the hidden-width stream: its fan-in is the row count, not vocab.
                fan_in = module.weight.shape[0] if module_name == "predictions.dense" else module.weight.shape[1]
                module.weight.copy_(normal(module.weight.shape, gain / math.sqrt(fan_in)))
                if module.bias is not None:
                    module.bias.copy_(normal(module.bias.shape, 0.05))
            elif isinstance(module, (NoNorm, nn.LayerNorm)):
                module.weight.copy_(normal(module.weight.shape, 0.1, mean=1.0))
                module.bias.copy_(normal(module.bias.shape, 0.1))
            elif isinstance(module, MaskedLanguageModelHead):
                module.bias.copy_(normal(module.bias.shape, 0.05))


# Second component of the outlier generator's seed: a stream of its own, so that the weights are
# drawn the same with and without outliers before add_outlier_channels rescales some of them.
OUTLIER_SEED_STREAM = 1


def residual_no_norm_chains(model):
    """The NoNorms whose outputs run along one residual path, one list per path, in order.

    Within a block the narrow stream passes the attention-output NoNorm, then each FFN-output
    NoNorm, the residual carrying every earlier output into the next; across blocks the wide
    stream passes each block's output-bottleneck NoNorm. These are the NoNorms whose large
    gammas trained MobileBERT checkpoints show (Bondarenko et al. 2021 find the outliers in the
    residual sums).
    """
    chains = []
    wide = []
    for block in model.encoder.layer:
        chains.append([block.attention.output.LayerNorm]
                      + [feed_forward.output.LayerNorm for feed_forward in block.ffn]
                      + [block.output.LayerNorm])
        wide.append(block.output.bottleneck.LayerNorm)
    chains.append(wide)
    return chains


def choose_outlier_channels(model, count, seed):
    """Picks `count` new gamma channels for every residual-stream NoNorm: {NoNorm name: [channels]}.

    Channels are distinct along each residual path, since a channel once scaled stays scaled
    downstream of that NoNorm (see add_outlier_channels).
    """
    generator = np.random.default_rng((seed, OUTLIER_SEED_STREAM))
    names = {module: name for name, module in model.named_modules()}
    chosen = {}
    for chain in residual_no_norm_chains(model):
        width = chain[0].weight.numel()
        if count * len(chain) > width:
            raise ValueError(f"--outlier-channels {count}: a residual path of {len(chain)} NoNorms "
                             f"has only {width} channels for {count * len(chain)} distinct outliers")
        channels = generator.permutation(width)[: count * len(chain)].reshape(len(chain), count)
        for no_norm, picked in zip(chain, channels):
            chosen[names[no_norm]] = sorted(int(channel) for channel in picked)
    return chosen


def add_outlier_channels(model, count, scale, seed):
    """Gives the residual streams outlier channels without changing what the model computes.

    Each residual-stream NoNorm multiplies its chosen gamma channels (and their betas) by
    `scale`. From there on the channel travels at `scale` times its size along the residual
    path: later sums on the path scale the same output rows of their producing Linear and the
    same betas, and every Linear that reads the path divides that input column by `scale`.
    Scaling gammas alone compounds through the Linears (a 24-layer model overflows); this
    way the float function stays the same up to rounding while the activations carry channels
    `scale` times the rest, as in trained checkpoints, where the reading weights are small
    (the reverse of SmoothQuant's smoothing).
    """
    chosen = choose_outlier_channels(model, count, seed)
    config = model.config

    def sum_into_path(producer, no_norm, carried, name):
        """NoNorm(producer(x) + residual) on a path already carrying `carried` scaled channels."""
        producer.weight[carried] *= scale
        producer.bias[carried] *= scale
        no_norm.bias[carried] *= scale
        new = chosen[name + ".LayerNorm"]
        no_norm.weight[new] *= scale
        no_norm.bias[new] *= scale
        return carried + new

    def read_path(consumer, carried):
        consumer.weight[:, carried] /= scale

    wide = []
    with torch.no_grad():
        for index, block in enumerate(model.encoder.layer):
            prefix = f"encoder.layer.{index}."
            read_path(block.bottleneck.input.dense, wide)
            if block.bottleneck.shares_query_key_bottleneck:
                read_path(block.bottleneck.attention.dense, wide)
            elif not config.use_bottleneck_attention:
                read_path(block.attention.self.query, wide)
                read_path(block.attention.self.key, wide)
            if not config.use_bottleneck_attention:
                read_path(block.attention.self.value, wide)
            narrow = sum_into_path(block.attention.output.dense, block.attention.output.LayerNorm, [],
                                   prefix + "attention.output")
            for ffn_index, feed_forward in enumerate(block.ffn):
                read_path(feed_forward.intermediate.dense, narrow)
                narrow = sum_into_path(feed_forward.output.dense, feed_forward.output.LayerNorm, narrow,
                                       prefix + f"ffn.{ffn_index}.output")
            read_path(block.intermediate.dense, narrow)
            narrow = sum_into_path(block.output.dense, block.output.LayerNorm, narrow, prefix + "output")
            read_path(block.output.bottleneck.dense, narrow)
            wide = sum_into_path(block.output.bottleneck.dense, block.output.bottleneck.LayerNorm, wide,
                                 prefix + "output.bottleneck")
        if config.head == "qa":
            read_path(model.qa_outputs, wide)
        elif config.head == "cls":
            read_path(model.classifier, wide)
        elif config.head == "mlm":
            read_path(model.predictions.transform_dense, wide)
    return chosen


def make_test_inputs(config, batch, sequence_length, seed):
    """Random token ids, trailing padding in the mask, and two token-type segments."""
    rng = np.random.default_rng(seed)
    input_ids = rng.integers(0, config.vocab_size, size=(batch, sequence_length), dtype=np.int64)
    if config.vocab_size > CLS_TOKEN_ID:
        input_ids[:, 0] = CLS_TOKEN_ID
    attention_mask = np.ones((batch, sequence_length), dtype=np.int64)
    if sequence_length >= 4:
        # Row b pads its last S/4/(b+1) positions, so rows of a batch differ in their padding.
        for row in range(batch):
            padded = (sequence_length // 4) // (row + 1)
            if padded:
                attention_mask[row, sequence_length - padded:] = 0
    token_type_ids = np.zeros((batch, sequence_length), dtype=np.int64)
    token_type_ids[:, sequence_length // 2:] = min(1, config.type_vocab_size - 1)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}


def make_unpadded_inputs(config, batch, sequence_length, seed):
    """make_test_inputs' ids and token types with every position a real token: nothing padded."""
    inputs = make_test_inputs(config, batch, sequence_length, seed)
    inputs["attention_mask"] = np.ones_like(inputs["attention_mask"])
    return inputs


def build_model(config, seed):
    model = MobileBertForExport(config)
    initialize_weights(model, seed)
    if config.outlier_channels:
        add_outlier_channels(model, config.outlier_channels, config.outlier_scale, seed)
    return model.eval()


def config_from_arguments(arguments):
    return MobileBertConfig(
        vocab_size=arguments.vocab,
        embedding_size=arguments.embedding,
        hidden_size=arguments.hidden,
        intra_bottleneck_size=arguments.bottleneck,
        num_hidden_layers=arguments.layers,
        num_attention_heads=arguments.heads,
        intermediate_size=arguments.intermediate,
        num_feedforward_networks=arguments.ffn if arguments.ffn is not None else (2 if arguments.tiny else 4),
        max_position_embeddings=arguments.max_positions,
        use_bottleneck_attention=arguments.tiny,
        key_query_shared_bottleneck=not arguments.no_shared_qk_bottleneck,
        mask_bias=arguments.mask_bias,
        head=arguments.head or "none",
        use_token_type_ids=not arguments.no_token_type_ids,
        num_labels=arguments.num_labels,
        outlier_channels=arguments.outlier_channels,
        outlier_scale=arguments.outlier_scale,
    )


def parse_mask_bias(text):
    if text in ("min", "where"):
        return text
    try:
        float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, 'min' or 'where', got {text!r}")
    return text


def parse_reference_lengths(text):
    lengths = []
    for item in text.split(","):
        try:
            length = int(item)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {item.strip()!r} "
                                             f"in {text!r}")
        if length < 1:
            raise argparse.ArgumentTypeError(f"sequence lengths must be positive, got {length}")
        if length in lengths:
            raise argparse.ArgumentTypeError(f"length {length} is listed twice")
        lengths.append(length)
    return lengths


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--layers", type=int, default=24, help="number of blocks")
    parser.add_argument("--ffn", type=int, default=None,
                        help="feed-forward networks per block (default 4, 2 with --tiny)")
    parser.add_argument("--hidden", type=int, default=512, help="inter-block (residual stream) width")
    parser.add_argument("--bottleneck", type=int, default=128, help="intra-block bottleneck width = attention width")
    parser.add_argument("--intermediate", type=int, default=512, help="FFN inner width")
    parser.add_argument("--embedding", type=int, default=128, help="word embedding width (trigram input is 3x this)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads (must divide --bottleneck)")
    parser.add_argument("--vocab", type=int, default=30522, help="word embedding rows")
    parser.add_argument("--max-positions", type=int, default=512, help="position embedding rows")
    parser.add_argument("--seq-len", type=int, default=128, help="sequence length S of the export and test input")
    parser.add_argument("--batch", type=int, default=1, help="batch size B of the export and test input")
    # Below 11, Slice and Pad take attributes instead of inputs; 17 is torch 1.13's newest.
    parser.add_argument("--opset", type=int, default=14, choices=range(11, 18), metavar="{11..17}",
                        help="ONNX opset (default 14)")
    parser.add_argument("--checkpoint", metavar="DIR",
                        help="export the weights of a Hugging Face MobileBERT checkpoint folder (config.json "
                             "and model.safetensors or pytorch_model.bin) instead of seeded ones; the "
                             "architecture and head come from the checkpoint, and --layers, --hidden, "
                             "--bottleneck, --intermediate, --embedding, --heads, --vocab, --ffn, --tiny, "
                             "--num-labels and the outlier options are ignored")
    parser.add_argument("--head", choices=sorted(OUTPUT_NAMES_BY_HEAD), default=None,
                        help="(default none) none: last_hidden_state; qa: start_logits, end_logits; cls: logits from h[:,0]; "
                             "mlm: masked-LM logits [B,S,vocab]")
    parser.add_argument("--num-labels", type=int, default=2, help="classifier outputs for --head cls")
    parser.add_argument("--tiny", action="store_true",
                        help="MobileBERT_TINY: Q, K, V and residual from one bottleneck, 2 FFNs")
    parser.add_argument("--no-shared-qk-bottleneck", action="store_true",
                        help="Q and K read the hidden-width input instead of a shared bottleneck")
    parser.add_argument("--mask-bias", type=parse_mask_bias, default="-10000",
                        help="bias added at padded keys: a number, 'min' for the float32 minimum, or 'where' "
                             "for Where(bool mask, 0, -inf) as scaled_dot_product_attention exports it")
    parser.add_argument("--no-token-type-ids", action="store_true",
                        help="the graph has no token_type_ids input (token type 0 everywhere)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the test input")
    parser.add_argument("--dynamic-axes", action="store_true", help="make batch and sequence axes symbolic")
    parser.add_argument("--reference-lengths", type=parse_reference_lengths, default=[], metavar="L1,L2,...",
                        help="also write, for each length L, unpadded inputs [B,L] (attention mask all ones) "
                             "and PyTorch's outputs for them under lengths/<L>/inputs and lengths/<L>/reference; "
                             "each L at most --max-positions")
    parser.add_argument("--outlier-channels", type=int, default=0, metavar="N",
                        help="scale N gamma channels of every residual-stream NoNorm (attention output, "
                             "FFN outputs, output bottleneck) by --outlier-scale, as trained checkpoints "
                             "have; channels are seeded by --seed (default 0: none)")
    parser.add_argument("--outlier-scale", type=float, default=40.0,
                        help="factor for the --outlier-channels gammas (default 40)")
    arguments = parser.parse_args(argv)
    if arguments.seq_len > arguments.max_positions:
        parser.error("--seq-len exceeds --max-positions")
    too_long = [length for length in arguments.reference_lengths if length > arguments.max_positions]
    if too_long:
        parser.error(f"--reference-lengths: {','.join(map(str, too_long))} longer than --max-positions "
                     f"{arguments.max_positions}")
    if arguments.seq_len < 1 or arguments.batch < 1:
        parser.error("--seq-len and --batch must be positive")
    if arguments.outlier_channels < 0:
        parser.error("--outlier-channels must not be negative")
    return arguments


def save_arrays(directory, arrays):
    os.makedirs(directory, exist_ok=True)
    for name, array in arrays.items():
        np.save(os.path.join(directory, name + ".npy"), array)


def run_reference(model, inputs, input_names, output_names):
    """PyTorch's outputs for `inputs`, by output name."""
    torch_inputs = tuple(torch.from_numpy(inputs[name]) for name in input_names)
    with torch.no_grad():
        return {name: tensor.numpy() for name, tensor in zip(output_names, model(*torch_inputs))}


def export(arguments):
    started = time.perf_counter()
    if arguments.checkpoint:
        model = load_checkpoint(arguments.checkpoint, MobileBertConfig, MobileBertForExport)
        config = model.config
        if arguments.head and arguments.head != config.head:
            raise ValueError(f"--head {arguments.head}, but the checkpoint has the {config.head} head")
        longest = max([arguments.seq_len] + arguments.reference_lengths)
        if longest > config.max_position_embeddings:
            raise ValueError(f"sequence length {longest} (--seq-len or --reference-lengths) exceeds the "
                             f"checkpoint's max_position_embeddings {config.max_position_embeddings}")
    else:
        config = config_from_arguments(arguments)
        model = build_model(config, arguments.seed)
    output_names = OUTPUT_NAMES_BY_HEAD[config.head]
    os.makedirs(arguments.out, exist_ok=True)
    model_path = os.path.join(arguments.out, "model.onnx")
    input_names = config.input_names()
    all_inputs = make_test_inputs(config, arguments.batch, arguments.seq_len, arguments.seed)
    inputs = {name: all_inputs[name] for name in input_names}
    torch_inputs = tuple(torch.from_numpy(inputs[name]) for name in input_names)
    reference = run_reference(model, inputs, input_names, output_names)
    built = time.perf_counter()

    dynamic_axes = None
    if arguments.dynamic_axes:
        dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
        for name in output_names:
            # The classifier reads only position 0, so its logits have no sequence axis.
            dynamic_axes[name] = {0: "batch"} if config.head == "cls" else {0: "batch", 1: "sequence"}
    with torch.no_grad(), warnings.catch_warnings():
        # torch 1.13 builds Pad's `pads` operand with a reversing Slice (step -1) that its constant
        # folder declines, warning once per pass; the graph is still correct, so keep it quiet.
        warnings.filterwarnings("ignore", message="Constant folding - Only steps=1")
        torch.onnx.export(
            model, torch_inputs, model_path,
            input_names=input_names, output_names=output_names,
            opset_version=arguments.opset, do_constant_folding=True, dynamic_axes=dynamic_axes,
        )
    exported = time.perf_counter()
    # Path form: the checker then reads the file itself, the same bytes the compiler will read.
    onnx.checker.check_model(model_path)
    checked = time.perf_counter()

    for subdirectory, arrays in (("inputs", inputs), ("reference", reference)):
        directory = os.path.join(arguments.out, subdirectory)
        # A previous export into the same DIR may have had other outputs (another --head); a
        # stale reference file would make every later comparison fail for a missing output.
        for stale in glob.glob(os.path.join(directory, "*.npy")):
            os.remove(stale)
        save_arrays(directory, arrays)
    # Likewise a previous export's lengths: only this export's lengths may be found there.
    lengths_directory = os.path.join(arguments.out, "lengths")
    shutil.rmtree(lengths_directory, ignore_errors=True)
    length_references = {}
    for length in arguments.reference_lengths:
        all_length_inputs = make_unpadded_inputs(config, arguments.batch, length, arguments.seed)
        length_inputs = {name: all_length_inputs[name] for name in input_names}
        length_references[length] = run_reference(model, length_inputs, input_names, output_names)
        save_arrays(os.path.join(lengths_directory, str(length), "inputs"), length_inputs)
        save_arrays(os.path.join(lengths_directory, str(length), "reference"), length_references[length])
    referenced_lengths = time.perf_counter()
    description = {
        "config": dataclasses.asdict(config),
        "mask_bias_value": config.mask_bias_value(),
        "seed": arguments.seed,
        "checkpoint": os.path.abspath(arguments.checkpoint) if arguments.checkpoint else None,
        "opset": arguments.opset,
        "batch": arguments.batch,
        "sequence_length": arguments.seq_len,
        "dynamic_axes": arguments.dynamic_axes,
        "reference_lengths": arguments.reference_lengths,
        "parameters": sum(parameter.numel() for parameter in model.parameters()),
        "inputs": {name: {"shape": list(inputs[name].shape), "dtype": "int64"} for name in input_names},
        "outputs": {name: {"shape": list(reference[name].shape), "dtype": "float32"} for name in output_names},
        "input_names": input_names,
        "output_names": output_names,
    }
    if config.outlier_channels:
        description["outlier_gamma_channels"] = choose_outlier_channels(model, config.outlier_channels,
                                                                        arguments.seed)
    with open(os.path.join(arguments.out, "config.json"), "w") as config_file:
        json.dump(description, config_file, indent=2)
        config_file.write("\n")

    print(f"{model_path}: {description['parameters']:,} parameters, opset {arguments.opset}, "
          f"{os.path.getsize(model_path) / 1e6:.1f} MB")
    print(f"time: build+reference {built - started:.2f}s, export {exported - built:.2f}s, "
          f"check {checked - exported:.2f}s, {len(arguments.reference_lengths)} reference lengths "
          f"{referenced_lengths - checked:.2f}s")
    for name, array in reference.items():
        print(f"{name}: shape {list(array.shape)}, max|x| {np.abs(array).max():.4g}, "
              f"mean|x| {np.abs(array).mean():.4g}, finite {bool(np.isfinite(array).all())}")
    if not all(np.isfinite(array).all() for array in reference.values()):
        print("error: the reference output is not finite", file=sys.stderr)
        return 1
    not_finite = [length for length, arrays in length_references.items()
                  if not all(np.isfinite(array).all() for array in arrays.values())]
    if not_finite:
        print(f"error: the reference output at lengths {not_finite} is not finite", file=sys.stderr)
        return 1
    return 0


def main(argv):
    arguments = parse_arguments(argv)
    try:
        return export(arguments)
    except ValueError as error:
        # Configurations the model cannot be built with (head count, outlier count, ...), and
        # checkpoints it cannot read (CheckpointError).
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
