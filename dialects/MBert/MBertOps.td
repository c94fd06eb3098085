//===- MBertOps.td - the MobileBERT model dialect ----------*- tablegen -*-===//
//
// Model-level ops that the raising passes produce from the import dialect:
// what MobileBERT computes, in units the optimizer reasons about (a linear
// layer with its epilogue, the trigram embedding, a NoNorm, a fused
// multi-head attention).
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_MBERT_OPS
#define MBERT_MBERT_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def MBert_Dialect : Dialect {
  let name = "mbert";
  let cppNamespace = "::mbert::model";
  let summary = "MobileBERT model-level ops";
  let description = [{
    Ops at the level of the MobileBERT architecture. Operands are ranked
    tensors with static shapes; weights are operands (usually constants) so
    that folding passes can rewrite them at compile time.
  }];
  let useDefaultAttributePrinterParser = 1;
}

def MBert_Activation : I32EnumAttr<"Activation", "activation applied in a linear's epilogue", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Relu", 1, "relu">
  ]> {
  let cppNamespace = "::mbert::model";
  let genSpecializedAttr = 0;
}

def MBert_ActivationAttr : EnumAttr<MBert_Dialect, MBert_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def MBert_Precision : I32EnumAttr<"Precision", "the arithmetic a linear's GEMM runs in", [
    I32EnumAttrCase<"F32", 0, "f32">,
    I32EnumAttrCase<"Int8", 1, "int8">
  ]> {
  let cppNamespace = "::mbert::model";
  let genSpecializedAttr = 0;
}

def MBert_PrecisionAttr : EnumAttr<MBert_Dialect, MBert_Precision, "precision"> {
  let assemblyFormat = "`<` $value `>`";
}

// The values are the order of the arguments in the C ABI (docs/ABI.md).
def MBert_EntryArgumentKind : I32EnumAttr<"EntryArgumentKind",
    "what an argument of the model's entry point holds", [
    I32EnumAttrCase<"Input", 0, "input">,
    I32EnumAttrCase<"SequenceLength", 1, "sequence_length">,
    I32EnumAttrCase<"Output", 2, "output">,
    I32EnumAttrCase<"Workspace", 3, "workspace">,
    I32EnumAttrCase<"Pool", 4, "pool">
  ]> {
  let cppNamespace = "::mbert::model";
  let genSpecializedAttr = 0;
}

def MBert_EntryArgumentAttr : EnumAttr<MBert_Dialect, MBert_EntryArgumentKind, "entry_argument"> {
  let summary = "the role of an argument of the model's entry point";
  let description = [{
    Carried by every argument of `<name>_run` under the argument attribute
    `mbert.entry_argument`, from the pass that adds the argument on: the
    importer tags the graph inputs, `mbert-bound-sequence-length` the
    run-time length, `mbert-plan-memory` the outputs (bufferization's out
    parameters) and the workspace, `mbert-finalize-entry-point` the thread
    pool. Passes find arguments by role, never by position, and
    `mbert-finalize-entry-point` checks the order against
    `getEntryPointLayout`, the one definition of the C signature that the
    descriptor, the header writer and the runtime follow.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def MBert_KernelArgumentKind : I32EnumAttr<"KernelArgumentKind",
    "what an argument of a kernel outlined from a parallel loop holds", [
    I32EnumAttrCase<"IterationBegin", 0, "iteration_begin">,
    I32EnumAttrCase<"IterationEnd", 1, "iteration_end">
  ]> {
  let cppNamespace = "::mbert::model";
  let genSpecializedAttr = 0;
}

def MBert_KernelArgumentAttr : EnumAttr<MBert_Dialect, MBert_KernelArgumentKind, "kernel_argument"> {
  let summary = "the iteration range of a kernel outlined from a parallel loop";
  let description = [{
    `mbert-outline-loop-nests` gives the kernel of a loop whose iterations
    are independent two index arguments under the argument attribute
    `mbert.kernel_argument`, `<iteration_begin>` and `<iteration_end>`: the
    kernel runs iterations [begin, end) of the loop, so any split of a range
    computes the same as one call. `mbert-dispatch-parallel-kernels` finds
    such kernels by these roles and hands the range of each call to the
    caller's thread pool.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def MBert_KernelInstruction : I32EnumAttr<"KernelInstruction",
    "the instruction a GEMM microkernel's inner loop is built around", [
    I32EnumAttrCase<"Fma", 0, "fma">,
    I32EnumAttrCase<"FmaLane", 4, "fma_lane">,
    I32EnumAttrCase<"WideningMac", 1, "widening_mac">,
    I32EnumAttrCase<"Sdot", 2, "sdot">,
    I32EnumAttrCase<"Pmaddwd", 3, "pmaddwd">,
    I32EnumAttrCase<"Smmla", 5, "smmla">,
    I32EnumAttrCase<"Pmaddubsw", 6, "pmaddubsw">,
    I32EnumAttrCase<"Vpdpbusd", 7, "vpdpbusd">,
    I32EnumAttrCase<"PmaddubswPair", 8, "pmaddubsw_pair">
  ]> {
  let cppNamespace = "::mbert::model";
  let genSpecializedAttr = 0;
}

def MBert_MicroKernelAttr : AttrDef<MBert_Dialect, "MicroKernel"> {
  let mnemonic = "kernel";
  let summary = "a GEMM microkernel: tile, depth group, element types, packed weight layout";
  let description = [{
    What the GEMM that computes a linear (or an attention product) runs on.
    A tile of `mr` rows x `nr` columns of the output is accumulated in
    registers of `accumulator` type over the whole reduction. Each
    instruction consumes `kr` consecutive steps of the reduction (the depth
    group): 1 for a vector FMA, 4 for SDOT (four int8 products summed into
    each int32 lane), 2 for PMADDWD (two int16 products summed), 4 for
    PMADDUBSW (pairs of uint8 x int8 products summed into int16, then pairs
    of those into int32 by PMADDWD), 4 for `pmaddubsw_pair` (PMADDUBSW on
    two depth groups whose int16 sums are added before one PMADDWD; each
    step consumes 8 depths), 4 for VPDPBUSD (AVX-512-VNNI or
    AVX-VNNI: four uint8 x int8 products summed into each int32 lane, with
    no int16 step), 8 for SMMLA (a 2 x 8 by 8 x 2 int8 product into a 2 x 2
    int32 block).
    `fma_lane` is the f32 FMA that takes its A operand from one lane of a
    vector (NEON's FMLA by element): each row of A is loaded four depth steps
    at a time, one load where `fma` needs four.

    The packed weight layout follows from the tile: a `[K, N]` matrix of
    `operand` elements is stored as `[ceil(N / nr), ceil(K / kr), nr, kr]`,
    element `[n / nr, k / kr, n % nr, k % kr]` holding `W[k, n]`, zero past
    K and N. One panel of `nr` columns is then a single stream that the
    kernel reads `nr * kr` elements at a time, in the order it consumes them.

    Integer kernels read the left operand as 8-bit rows quantized at run time
    (row-major, K padded with zeros to a multiple of `kr`, one scale and zero
    point per row) and dequantize the int32 accumulators in the epilogue.
    The codes of those rows are int8, except for PMADDUBSW and VPDPBUSD,
    whose first operand is unsigned: their rows hold uint8 codes
    (`getActivationCodeRange`). PMADDUBSW's int8 weights are limited to
    [-63, 63] so that a pair of products (at most 255 * 63 * 2 = 32130)
    cannot saturate its int16 sum (`getWeightMagnitudeLimit`); VPDPBUSD
    sums in int32 and takes any int8 weight. `pmaddubsw_pair` also limits
    the codes to [0, 127], so that two PMADDUBSW sums (at most 2 * 127 * 63
    * 2 = 32004) add in int16: 3 multiplying instructions for the 8 products
    of each int32 lane instead of 4, for one bit of each row's resolution.
    The driver picks a kernel per element type from the target triple, CPU
    and features (`mbert-select-kernels`).
  }];
  let parameters = (ins
    EnumParameter<MBert_KernelInstruction>:$instruction,
    "::mlir::Type":$operand,
    "::mlir::Type":$accumulator,
    "int64_t":$mr,
    "int64_t":$nr,
    "int64_t":$kr
  );
  let assemblyFormat = [{
    `<` $instruction `,` $operand `->` $accumulator `,` `mr` `=` $mr `,` `nr` `=` $nr `,`
    `kr` `=` $kr `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether the kernel multiplies quantized integers.
    bool isInteger() { return ::mlir::isa<::mlir::IntegerType>(getOperand()); }
    /// The packed `[ceil(N / nr), ceil(K / kr), nr, kr]` shape of a [K, N] weight.
    ::llvm::SmallVector<int64_t, 4> getPackedWeightShape(int64_t depth, int64_t columns);
    /// The depth one step of the kernel's reduction loop consumes.
    int64_t getDepthPerStep();
    /// K as an integer kernel's operands are padded (a whole number of
    /// steps); an f32 kernel's K as it is.
    int64_t getPaddedDepth(int64_t depth);
    /// The codes an integer kernel's run-time quantized rows take: [-128,
    /// 127], or [0, 255] where the instruction reads unsigned bytes.
    std::pair<int32_t, int32_t> getActivationCodeRange();
    /// The largest |w| of the int8 weights the kernel multiplies exactly.
    int32_t getWeightMagnitudeLimit();
    /// Whether `instruction` is an x86 one (PMADDWD, PMADDUBSW and its pair
    /// form, VPDPBUSD).
    static bool isX86Instruction(KernelInstruction instruction) {
      return instruction == KernelInstruction::Pmaddwd ||
             instruction == KernelInstruction::Pmaddubsw ||
             instruction == KernelInstruction::PmaddubswPair ||
             instruction == KernelInstruction::Vpdpbusd;
    }
    /// Whether the kernel's instruction is an x86 one: the code built around
    /// it (the row quantization) may use x86 idioms.
    bool usesX86Instruction() { return isX86Instruction(getInstruction()); }
  }];
}

def MBert_RowPartitionAttr : AttrDef<MBert_Dialect, "RowPartition"> {
  let mnemonic = "row_partition";
  let summary = "how a parallel loop's iterations divide the rows of the buffers it touches";
  let description = [{
    On a one-dimensional `scf.forall` of `T * m` iterations, T being
    `mbert.pool_threads`: iterations [b * m, (b + 1) * m) read and write
    only rows [start(b), start(b + 1)) of each buffer the loop touches that
    is not a constant (row r being index r of the buffer's first dimension
    whose extent is not 1), where start(b) = ((rows / tile_rows) * s[b] / s[T]) *
    tile_rows, s being `mbert.pool_block_starts`, and the last block ends at
    `rows`. The pool sets s once per call of the entry point, so every such
    loop of a call divides its rows alike. A buffer that stores rows in
    pairs (pair p holds rows 2p and 2p + 1, as SMMLA's quantized left-hand
    side does) is touched in pairs [start(b) / 2, ceil(start(b + 1) / 2)):
    tile_rows is then even, so no pair straddles two blocks. The GEMM of a
    linear, split into T blocks of whole row tiles, is such a loop; so is
    the row quantization before an int8 GEMM, with m = 1.

    Two such loops with the same partition that run one after the other
    need no barrier between them when thread b runs block b of both: what
    block b of the second reads of the first's results, block b of the
    first wrote (`mbert-form-parallel-regions`).
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$tile_rows);
  let assemblyFormat = "`<` `rows` `=` $rows `,` `tile_rows` `=` $tile_rows `>`";
  let genVerifyDecl = 1;
}

class MBert_Op<string mnemonic, list<Trait> traits = []>
    : Op<MBert_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def MBert_LinearOp : MBert_Op<"linear", [AttrSizedOperandSegments]> {
  let summary = "x @ W with a fused bias / scaled residual / activation epilogue";
  let description = [{
    `result = activation(input @ weight + bias + residual * residual_scale)`,
    where `input` is `[..., K]`, `weight` is `[K, N]` (the ONNX MatMul layout,
    the transpose of PyTorch's), `bias` and `residual_scale` are `[N]` and
    `residual` has the result's shape. All three are optional;
    `residual_scale` needs a residual. The scaled residual is how a NoNorm
    after a residual add lives on as one multiply-add per element.

    An int8 weight is quantized per output channel: `W[k, n] =
    weight[k, n] * weight_scale[n] * smoothing[k]`, and `weight_sums[n]` is
    the sum of column n's int8 values (what the kernel subtracts for the
    input's zero point). The input, each channel k multiplied by
    `smoothing[k]` (1 without it), is quantized per row at run time; the
    epilogue stays f32, on the dequantized accumulator. Smoothing moves an
    input channel's outlying range into the weight row it meets, an exact
    rewrite in real arithmetic, so that one large channel does not set the
    quantization step of a whole row.

    `input_range`, when present, is the largest magnitude each input channel
    reached on calibration inputs (`mbert-calibrate-linears`); quantization
    chooses the smoothing from it.

    `precision`, when present, is what quantization must give the linear
    (`mbert-select-precision` keeps the most sensitive linears `f32`);
    without it `mbert-quantize-linears` decides. `quantization_error` is the
    measured relative error of the linear's output when it alone is
    quantized, on the calibration inputs.

    `length`, when present, is the number of valid positions of the
    sequence, known only at run time (`mbert-bound-sequence-length`): the
    input's second-to-last axis is that sequence (batch 1), and only its
    first `length` rows are computed. Later rows of the result are
    undefined, and later rows of the input and residual do not affect the
    rows that are computed.

    `kernel` names the GEMM microkernel that computes the op. A rank-4
    weight is packed in that kernel's layout,
    `[ceil(N / nr), ceil(K / kr), nr, kr]` (see `#mbert.kernel`).
  }];
  let arguments = (ins F32Tensor:$input, TensorOf<[F32, I8]>:$weight,
                       Optional<F32Tensor>:$weight_scale, Optional<I32Tensor>:$weight_sums,
                       Optional<F32Tensor>:$smoothing,
                       Optional<F32Tensor>:$bias, Optional<F32Tensor>:$residual,
                       Optional<F32Tensor>:$residual_scale, Optional<Index>:$length,
                       DefaultValuedAttr<MBert_ActivationAttr,
                                         "::mbert::model::Activation::None">:$activation,
                       OptionalAttr<MBert_MicroKernelAttr>:$kernel,
                       OptionalAttr<FloatElementsAttr<32>>:$input_range,
                       OptionalAttr<MBert_PrecisionAttr>:$precision,
                       OptionalAttr<F32Attr>:$quantization_error);
  let results = (outs F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`scale` `(` $weight_scale^ `,` $weight_sums `)`)?
    (`smoothing` `(` $smoothing^ `)`)?
    (`bias` `(` $bias^ `)`)? (`residual` `(` $residual^ `)`)?
    (`residual_scale` `(` $residual_scale^ `)`)? (`length` `(` $length^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let builders = [
    // An f32 linear with its weight in the [K, N] layout.
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::Value":$bias, "::mlir::Value":$residual,
                   "::mlir::Value":$residual_scale, "::mbert::model::Activation":$activation), [{
      build($_builder, $_state, result, input, weight, ::mlir::Value(), ::mlir::Value(),
            ::mlir::Value(), bias, residual, residual_scale, ::mlir::Value(), activation,
            MicroKernelAttr(),
            ::mlir::DenseElementsAttr(), PrecisionAttr(), ::mlir::FloatAttr());
    }]>
  ];
  let extraClassDeclaration = [{
    /// K, the contraction depth, in either weight layout.
    int64_t getDepth();
    /// N, the number of output channels, in either weight layout.
    int64_t getColumns();
    /// Whether the weight is packed in the kernel's layout.
    bool hasPackedWeight() {
      return ::mlir::cast<::mlir::RankedTensorType>(getWeight().getType()).getRank() == 4;
    }
    /// Whether the weight is int8, quantized per output channel.
    bool isQuantized() { return static_cast<bool>(getWeightScale()); }
  }];
  let hasVerifier = 1;
}

def MBert_EmbeddingOp : MBert_Op<"embedding", [AttrSizedOperandSegments]> {
  let summary = "MobileBERT's trigram embedding: three neighbours' word rows, projected, plus addends";
  let description = [{
    The whole embedding layer before its NoNorm. With `input_ids` `[B, S]`,
    `word_table` `[V, E]` and `projection` `[3E, H]`, every position gathers
    the word rows of its next, own and previous token, in that order (the
    order every MobileBERT checkpoint was trained with), with zero rows
    beyond either end of the sequence:

    `trigram[b, s] = concat(row(b, s + 1), row(b, s), row(b, s - 1))`,
    `row(b, t) = word_table[input_ids[b, t]]` for `0 <= t < S`, else zeros;

    `result[b, s] = trigram[b, s] @ projection + bias + position[s]
                    + type_table[token_type_ids[b, s]]`.

    `bias` is `[H]`; `position`, the same for every batch row, is `[S, H]`
    or `[1, S, H]` (the position table's first S rows); `token_type_ids`
    `[B, S]` and `type_table` `[T, H]` come together or not at all. All
    addends are optional; the result is `[B, S, H]`. The trigram plus
    projection is a 1-D convolution of width 3 over the sequence, kept as
    one op so that its weights can be rewritten at compile time (a NoNorm
    folds into the projection and the addends) and so that the lowering
    gathers the trigram rows directly instead of slicing, padding and
    concatenating copies of the gathered rows. Ids outside their table read
    a clamped row: the compiled model's entry point rejects such inputs
    before computing anything. `kernel`, an f32 `#mbert.kernel`, computes
    the projection.

    An int8 `word_table` is quantized per row: `row(b, t)` is
    `word_table[id] * word_scale[id]`, dequantized as it is gathered. The
    table is most of the model's weights after its linears (30522 x 128).

    `length`, when present (batch 1), is the run-time number of valid
    positions: the sequence ends there, so the last valid position's next
    neighbour is a zero row, and rows from `length` on are undefined.
  }];
  let arguments = (ins TensorOf<[I32, I64]>:$input_ids, TensorOf<[F32, I8]>:$word_table,
                       Optional<F32Tensor>:$word_scale, F32Tensor:$projection, Optional<F32Tensor>:$bias,
                       Optional<F32Tensor>:$position,
                       Optional<TensorOf<[I32, I64]>>:$token_type_ids,
                       Optional<F32Tensor>:$type_table, Optional<Index>:$length,
                       OptionalAttr<MBert_MicroKernelAttr>:$kernel);
  let results = (outs F32Tensor:$result);
  let assemblyFormat = [{
    $input_ids `,` $word_table (`row_scale` `(` $word_scale^ `)`)? `,` $projection (`bias` `(` $bias^ `)`)?
    (`position` `(` $position^ `)`)? (`token_types` `(` $token_type_ids^ `,` $type_table `)`)?
    (`length` `(` $length^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MBert_NoNormOp : MBert_Op<"no_norm"> {
  let summary = "MobileBERT's NoNorm: x * gamma + beta on the last axis";
  let arguments = (ins F32Tensor:$input, F32Tensor:$gamma, F32Tensor:$beta);
  let results = (outs F32Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def MBert_AttentionOp : MBert_Op<"attention", [AttrSizedOperandSegments]> {
  let summary = "multi-head scaled dot-product attention with a mask bias";
  let description = [{
    `query` is `[B, Sq, H*D]`, `key` and `value` are `[B, Sk, H*D]`, with the
    heads interleaved as ONNX exports lay them out (head h owns channels
    `h*D .. h*D+D-1`). For every batch and head:
    `softmax(scale * Q K^T + mask_bias) V`, heads merged back to `[B, Sq, H*D]`.
    `mask_bias` (optional) broadcasts to `[B, H, Sq, Sk]`. `kernel`, an f32
    `#mbert.kernel`, computes both products.

    `length`, when present (batch 1, Sq = Sk), is the run-time number of
    valid positions: only the first `length` queries are computed, against
    the first `length` keys and values. Later rows of the result are
    undefined.
  }];
  let arguments = (ins F32Tensor:$query, F32Tensor:$key, F32Tensor:$value,
                       Optional<F32Tensor>:$mask_bias, Optional<Index>:$length,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_heads, F32Attr:$scale,
                       OptionalAttr<MBert_MicroKernelAttr>:$kernel);
  let results = (outs F32Tensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask_bias^ `)`)? (`length` `(` $length^ `)`)?
    attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def MBert_PoolThreadsOp : MBert_Op<"pool_threads"> {
  let summary = "how many threads run the entry point's parallel loops at once";
  let description = [{
    The `threads` field of the pool the entry point is called with
    (docs/ABI.md), clamped to [1, MBERT_POOL_MAX_THREADS]; 1 when it is
    called without one.
    A GEMM splits its rows into this many blocks, block-major in its
    parallel loop, so that a pool that gives thread t the t-th of `threads`
    equal contiguous shares of every loop (mbert_pool_create's) keeps each
    row of every GEMM's result on one thread from loop to loop.
    FinalizeEntryPoint, which adds the pool argument, replaces it.
  }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
}

def MBert_PoolBlockStartsOp : MBert_Op<"pool_block_starts"> {
  let summary = "where each of the pool's blocks of rows starts";
  let description = [{
    The `block_starts` table of the pool the entry point is called with
    (docs/ABI.md), copied at the start of each call: entries 0 to T, T being
    `mbert.pool_threads`, are nondecreasing, entry 0 is 0 and entry T is
    positive, and a loop that splits `tiles` whole row tiles into T blocks
    starts block b at tile `tiles * s[b] / s[T]`. Without a pool, or with a
    pool that has no table, entry b is b: equal blocks. The buffer has room
    for the most threads a pool may have (MBERT_POOL_MAX_THREADS + 1
    entries). FinalizeEntryPoint, which adds the pool argument, replaces it
    with the copy, made after checking the table.
  }];
  let results = (outs StaticShapeMemRefOf<[I32]>:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let builders = [OpBuilder<(ins), [{
    build($_builder, $_state, getPoolBlockStartsType($_builder.getContext()));
  }]>];
  let hasVerifier = 1;
}

def MBert_ParallelRegionOp : Op<MBert_Dialect, "parallel_region",
    [SingleBlock, NoTerminator, RecursiveMemoryEffects]> {
  let summary = "row-partitioned parallel loops that run with one barrier, at the end";
  let description = [{
    Holds two or more parallel loops (later, calls of the kernels outlined
    from them) that carry the same `#mbert.row_partition`, in program order.
    `threads` is the T of that partition: the region runs T slots in
    parallel, slot b running block b of every loop in turn, so that no
    thread waits for another between two of the loops. So the memory plan
    lets two buffers that the region's loops use share bytes only where no
    slot can write what another still reads: from the same offset, both
    holding the partition's rows with the same bytes per row, so that block
    b's bytes of one are block b's bytes of the other.

    `mbert-form-parallel-regions` makes it; `mbert-dispatch-parallel-kernels`
    turns it into one call of the thread pool.
  }];
  let arguments = (ins I64:$threads);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`threads` `(` $threads `)` $body attr-dict";
}

#endif // MBERT_MBERT_OPS
