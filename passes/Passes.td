//===- Passes.td - mbert passes ----------------------------*- tablegen -*-===//
//
// Every pass of the compiler, in pipeline order. Pipelines that chain them
// are registered in Pipelines.cpp so each stage is reachable from mbert-opt.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_PASSES
#define MBERT_PASSES

include "mlir/Pass/PassBase.td"

def RaiseToMBertPass : Pass<"mbert-raise-to-mbert", "mlir::func::FuncOp"> {
  let summary = "Raise import-level subgraphs to mbert model ops";
  let description = [{
    Pattern-based raising: MatMul with a constant 2-D weight, optionally
    followed by an Add of a constant per-channel bias, becomes `mbert.linear`;
    Mul by a per-channel constant followed by Add of a per-channel constant
    becomes `mbert.no_norm`; the exported attention subgraph becomes
    `mbert.attention`; the trigram embedding (gathered word rows, their
    zero-filled shifts by one position each way, concatenated and
    projected, plus position and token-type rows) becomes `mbert.embedding`.
    Subgraphs that do not match stay as they are and lower through the
    generic path.
  }];
  let dependentDialects = ["mbert::model::MBertDialect"];
}

def RaiseQuantizedLinearsPass : Pass<"mbert-raise-quantized-linears", "mlir::func::FuncOp"> {
  let summary = "Raise a pre-quantized model's int8 MatMuls to int8 linears with its own scales";
  let description = [{
    ONNX Runtime's dynamic pattern (DynamicQuantizeLinear -> MatMulInteger
    -> Cast -> Mul by the product of the scales) and a MatMul whose weight is
    a DequantizeLinear of a constant (QDQ) become an int8 `mbert.linear`
    with the model's quantized weights, per-tensor or per-column scales
    (a per-tensor scale repeated per column) and zero points shifted out.
    An activation QuantizeLinear -> DequantizeLinear pair in front of the
    MatMul is dropped: the linear quantizes its input rows at run time.
    Weights that are quantized per row, or whose values minus zero point
    leave int8, are not raised: like every other DequantizeLinear of
    constants they become f32 constants, and run on the f32 path.
  }];
  let dependentDialects = ["mbert::model::MBertDialect"];
}

def FoldNoNormPass : Pass<"mbert-fold-no-norm", "mlir::ModuleOp"> {
  let summary = "Fold every NoNorm into weights, or into a linear's epilogue";
  let description = [{
    `NoNorm(x) = x * gamma + beta` is per-channel affine, so it moves into
    whatever produced x, in program order:
    - exact, backward: when x is built only from single-use linears and
      embeddings, constants, gathers from constant tables and adds of those
      (the embedding, the bottleneck inputs, the attention output whose
      residual is the input bottleneck), gamma scales those weights and
      tables and beta joins one bias;
    - exact, forward: otherwise, when every user reads the NoNorm as a
      linear's input (the last FFN output feeding the output bottleneck),
      gamma scales the user's weight rows and beta @ W joins its bias;
    - epilogue: when x is a single-use linear whose residual has other
      users, gamma scales its weight columns and bias and becomes the
      linear's residual_scale: one multiply-add per element, no extra pass.
    Weights are rewritten at compile time; nothing is left for run time.
  }];
  let options = [
    Option<"releaseReplacedWeights", "release-replaced-weights", "bool", /*default=*/"false",
           "Erase each replaced weight's constant and free its blob (see "
           "dialects/Onnx/ConstantStorage.h) as soon as it is replaced, not after "
           "the pass; only for a module whose weights nothing else refers to (not "
           "a clone)">
  ];
  let statistics = [
    Statistic<"exactFolds", "exact-folds", "NoNorms folded exactly into weights">,
    Statistic<"epilogueFolds", "epilogue-folds", "NoNorms moved into a linear's epilogue">,
    Statistic<"remaining", "remaining", "NoNorms left as a separate op">
  ];
}

def FoldAttentionScalePass : Pass<"mbert-fold-attention-scale", "mlir::ModuleOp"> {
  let summary = "Fold attention's 1/sqrt(head_dim) into the query projection";
  let description = [{
    When an attention's query comes from a single-use linear without
    residual or activation, its weights and bias absorb the score scale and
    the attention's `scale` becomes 1: one multiply per score less.
  }];
}

def FuseSharedInputLinearsPass : Pass<"mbert-fuse-shared-input-linears", "mlir::ModuleOp"> {
  let summary = "Concatenate linears that read the same tensor into one GEMM";
  let description = [{
    MobileBERT's input bottleneck, shared Q/K bottleneck and value projection
    all read the block input (3 x 512->128), and Q and K both read the shared
    bottleneck (2 x 128->128). Linears with the same input, constant weights,
    the same activation and no residual become one linear with their weights
    and biases concatenated along N (512->384, 128->256); each original
    result is a slice of it. The input is read once and the GEMM is wider.
    Chains are never composed: that would add multiply-adds.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
  let options = [
    Option<"releaseReplacedWeights", "release-replaced-weights", "bool", /*default=*/"false",
           "Erase each replaced weight's constant and free its blob (see "
           "dialects/Onnx/ConstantStorage.h) as soon as it is replaced, not after "
           "the pass; only for a module whose weights nothing else refers to (not "
           "a clone)">
  ];
}

def CalibrateLinearsPass : Pass<"mbert-calibrate-linears", "mlir::ModuleOp"> {
  let summary = "Record each linear's input range on calibration inputs";
  let description = [{
    Runs the model as it stands (f32, after folding and fusion) on sample
    inputs and sets every linear's `input_range` to the largest |x| each of
    its input channels reached. The run is in process: a copy of the module
    also returns those ranges, is compiled for this host through the rest
    of the pipeline and executed with MLIR's ExecutionEngine.

    Samples come from `calibration`, a folder with one subfolder per sample
    holding `<input name>.npy` for every model input (dtype and shape as the
    model's), read in name order; without it, `samples` random inputs are
    generated: token ids uniform over their table, an attention mask of a
    random length's ones then zeros, token types 0 then 1 after a random
    split. A missing, empty or mis-shaped set is an error naming the file.
  }];
  let options = [
    Option<"calibrationSet", "calibration", "std::string", /*default=*/"\"\"",
           "Folder of calibration samples (empty: generate random ones)">,
    Option<"sampleCount", "samples", "int64_t", /*default=*/"8",
           "Random samples to generate without a calibration folder">,
    Option<"seed", "seed", "unsigned", /*default=*/"0", "Seed of the random samples">
  ];
  let statistics = [
    Statistic<"calibratedLinears", "calibrated-linears", "Linears given an input range">,
    Statistic<"samplesRun", "samples-run", "Calibration samples run">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

def SelectPrecisionPass : Pass<"mbert-select-precision", "mlir::ModuleOp"> {
  let summary = "Keep the linears most sensitive to int8 in f32 until the model meets an error bound";
  let description = [{
    What `--quantize=auto` runs, after `mbert-calibrate-linears` and before
    `mbert-quantize-linears`. Every linear that quantization would make int8
    is measured, then as few as possible are kept f32:

    1. Sensitivity: a copy of the model runs every such linear twice, in f32
       and quantized as `mbert-quantize-linears` would (its own twin, whose
       output only feeds the measurement), on the calibration samples. Each
       linear's `quantization_error` is `||y_int8 - y_f32|| / ||y_f32||` over
       all samples, the f32 model's own input at every linear. The same run
       gives the f32 model's outputs, the reference.
    2. Search: the linears are ranked by that error. With the k most sensitive
       kept f32 and the rest quantized (word table included), the model is
       compiled and run on the samples; its error is the largest
       `||out - out_f32|| / ||out_f32||` over samples and f32 outputs. k = 0
       first, then 1, 2, 4, ... until the error is at most `max-error`, then
       bisection between the last two: the smallest k found that meets it.
    3. Each linear gets `precision` (`f32` for the kept, `int8` for the rest)
       and its `quantization_error`; the module gets
       `mbert.quantized_output_error`, the chosen model's measured error.

    The runs are in process, compiled for this host by MLIR's ExecutionEngine
    (see `mbert-calibrate-linears`, whose samples and options it shares); the
    weights are rounded for the target's kernel (`triple`, `cpu`,
    `features`), whose integer arithmetic the host reproduces exactly.
  }];
  let options = [
    Option<"maxError", "max-error", "double", /*default=*/"0.05",
           "Largest relative error of the model's outputs against f32">,
    Option<"calibrationSet", "calibration", "std::string", /*default=*/"\"\"",
           "Folder of calibration samples (empty: generate random ones)">,
    Option<"sampleCount", "samples", "int64_t", /*default=*/"8",
           "Random samples to generate without a calibration folder">,
    Option<"seed", "seed", "unsigned", /*default=*/"0", "Seed of the random samples">,
    Option<"minColumns", "min-columns", "int64_t", /*default=*/"16",
           "As mbert-quantize-linears' option">,
    Option<"smoothingStrength", "smoothing-strength", "double", /*default=*/"0.65",
           "As mbert-quantize-linears' option">,
    Option<"triple", "triple", "std::string", /*default=*/"\"aarch64-linux-gnu\"",
           "Target triple">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"", "Target CPU (LLVM's name, or native)">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "Target features, e.g. +dotprod">,
    Option<"int8ActivationBits", "int8-activation-bits", "unsigned", /*default=*/"8",
           "Bits of the int8 kernels' run-time activation codes: 8, or 7 (x86's PMADDUBSW pair form)">
  ];
  let statistics = [
    Statistic<"measuredLinears", "measured-linears", "Linears whose sensitivity was measured">,
    Statistic<"keptLinears", "kept-linears", "Linears kept in f32">,
    Statistic<"evaluations", "evaluations", "Candidate models compiled and run">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mbert::onnx_import::OnnxDialect"];
}

def QuantizeLinearsPass : Pass<"mbert-quantize-linears", "mlir::ModuleOp"> {
  let summary = "Quantize linear weights to int8 per output channel";
  let description = [{
    Runs after every pass that rewrites f32 weights (NoNorm folds, the
    attention scale, fusion), so that what is quantized is the final weight
    and the folds stay exact. Each linear with a constant `[K, N]` f32
    weight and at least `min-columns` outputs gets
    `scale[n] = max_k |W[k, n]| / L` and `q[k, n] = round(W[k, n] / scale[n])`
    in [-L, L] (round half to even), plus `sums[n] = sum_k q[k, n]`, which
    the kernel needs for the run-time zero point of the input rows. L is the
    weight magnitude the target's int8 kernel multiplies exactly: 127, or 63
    for x86's PMADDUBSW (`triple`, `cpu` and `features` name the target, as
    for `mbert-select-kernels`). The bias,
    residual and activation stay f32: the epilogue runs on the dequantized
    accumulator, so the residual stream never passes through int8. Linears
    narrower than `min-columns` (a question-answering head's two logits) are
    a negligible share of the multiply-adds and write the model's answer
    directly: they stay f32, as do linears whose `precision` is `f32`
    (`mbert-select-precision`'s choice).

    A linear with a calibrated `input_range` is smoothed first (SmoothQuant):
    input channel k is divided by
    `s_k = input_range[k]^a / max_n |W[k, n]|^(1 - a)` (a =
    `smoothing-strength`) and weight row k multiplied by it before the
    columns are quantized; the division becomes the op's `smoothing`
    (1 / s_k), applied while the input rows are quantized. MobileBERT's
    residual stream carries a few channels 10-100x larger than the rest;
    without this they set every row's quantization step.
  }];
  let options = [
    Option<"minColumns", "min-columns", "int64_t", /*default=*/"16",
           "Linears with fewer output channels stay f32">,
    Option<"smoothingStrength", "smoothing-strength", "double", /*default=*/"0.65",
           "How much of an input channel's range moves into its weight row (0 turns smoothing off)">,
    Option<"triple", "triple", "std::string", /*default=*/"\"aarch64-linux-gnu\"",
           "Target triple">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"", "Target CPU (LLVM's name, or native)">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "Target features, e.g. +dotprod">,
    Option<"int8ActivationBits", "int8-activation-bits", "unsigned", /*default=*/"8",
           "Bits of the int8 kernels' run-time activation codes: 8, or 7 (x86's PMADDUBSW pair form)">
  ];
  let statistics = [
    Statistic<"quantizedLinears", "quantized-linears", "Linears whose weights became int8">,
    Statistic<"smoothedLinears", "smoothed-linears", "Quantized linears with smoothed inputs">,
    Statistic<"floatLinears", "float-linears", "Linears left in f32">
  ];
  let dependentDialects = ["mbert::onnx_import::OnnxDialect"];
}

def QuantizeEmbeddingPass : Pass<"mbert-quantize-embedding", "mlir::ModuleOp"> {
  let summary = "Store the embedding's word table as int8 rows";
  let description = [{
    The word table (30522 x 128 in MobileBERT, 15.6 MB as f32) is the
    largest weight after the linears. Each row becomes int8 with its own
    scale, `max |row| / 127` (symmetric, round half to even), and is
    dequantized as the embedding gathers it: one multiply per gathered
    element, 4x less read-only data. Runs after the NoNorm folds, which
    never rewrite the word table.
  }];
  let statistics = [
    Statistic<"quantizedTables", "quantized-tables", "Word tables stored as int8 rows">
  ];
  let dependentDialects = ["mbert::onnx_import::OnnxDialect"];
}

def SelectKernelsPass : Pass<"mbert-select-kernels", "mlir::ModuleOp"> {
  let summary = "Choose the GEMM microkernel of every linear, embedding and attention";
  let description = [{
    Sets `kernel` on every `mbert.linear`, `mbert.embedding` and
    `mbert.attention`: the target's f32 kernel, or its int8 kernel for a
    linear with int8 weights. The choice comes from the triple and what LLVM
    knows of the CPU and features: on AArch64 SMMLA with FEAT_I8MM, SDOT with
    FEAT_DotProd (for example `cpu=cortex-a76`), else a widening kernel, and
    FMLA by element for f32; on x86-64 VPDPBUSD with AVX-512-VNNI or
    AVX-VNNI, else PMADDUBSW with SSSE3 (AVX2 and AVX-512BW widths), else
    PMADDWD; `int8-activation-bits` = 7 asks for PMADDUBSW's pair form on
    any x86 with SSSE3 (7-bit activation codes, two sums added in int16);
    and f32 FMA tiles that follow the vector
    registers (6 x 16 with AVX2, 6 x 8 with SSE2, 12 x 32 with AVX-512); the
    portable kernels elsewhere. An int8 weight larger than the kernel
    multiplies exactly (PMADDUBSW's 63, for weights not rounded for it, as a
    pre-quantized model's) gets the target's full-range int8 kernel instead.
    Packing, the verifier, the lowering and `--stats` all read the attribute.
  }];
  let options = [
    Option<"triple", "triple", "std::string", /*default=*/"\"aarch64-linux-gnu\"",
           "Target triple">,
    Option<"cpu", "cpu", "std::string", /*default=*/"\"\"", "Target CPU (LLVM's name, or native)">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "Target features, e.g. +dotprod">,
    Option<"int8ActivationBits", "int8-activation-bits", "unsigned", /*default=*/"8",
           "Bits of the int8 kernels' run-time activation codes: 8, or 7 (x86's PMADDUBSW pair form)">
  ];
}

def BoundSequenceLengthPass : Pass<"mbert-bound-sequence-length", "mlir::ModuleOp"> {
  let summary = "Make the entry point take the sequence length at run time, up to the compiled one";
  let description = [{
    What `mbert-compile --max-seq-len N` adds to a model compiled for sequence
    length N (batch 1), at the model level after the kernels are chosen. The
    model keeps its static shapes, its weights and its memory plan for N; the
    entry function gets an `index` argument, the run-time length L
    (`#mbert.entry_argument<sequence_length>`), and:

    1. Every input, now `[1, ?]` (what the caller passes is L long), is
       copied into a zero-padded `[1, N]` tensor, which the model reads.
    2. The sequence axis of every value is traced from the inputs. The
       linears, the embedding and attention on it get `length(L)`: they
       compute only the first L positions (attention over the first L keys,
       the trigram's sequence ending at L). The other ops must treat
       positions independently (elementwise, reductions over other axes,
       Gather of position 0, ...); they run on all N rows, the undefined
       ones past L included, which never reach a valid row. An op that
       would mix positions is an error naming it.
    3. Every output with the sequence axis is sliced to L along it (dense,
       as the caller expects it); outputs without it (a classifier's logits)
       are unchanged.

    The module records `mbert.max_sequence_length` = N and, in its
    signature, each tensor's sequence axis.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect", "mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect"];
}

def PackWeightsPass : Pass<"mbert-pack-weights", "mlir::ModuleOp"> {
  let summary = "Pre-pack constant linear weights in their kernel's layout";
  let description = [{
    Each linear with a `kernel` and a constant `[K, N]` weight (f32 or int8)
    gets it rewritten at compile time in that kernel's layout,
    `[ceil(N / nr), Kpad / kr, nr, kr]`, zero-padded: a panel of `nr` output
    channels is one contiguous stream in read-only data, read in the order
    the kernel consumes it. Runs after every pass that rewrites weights in
    the `[K, N]` layout, and after `mbert-select-kernels`.
  }];
  let options = [
    Option<"releaseReplacedWeights", "release-replaced-weights", "bool", /*default=*/"false",
           "Erase each replaced weight's constant and free its blob (see "
           "dialects/Onnx/ConstantStorage.h) as soon as it is replaced, not after "
           "the pass; only for a module whose weights nothing else refers to (not "
           "a clone)">
  ];
  let statistics = [
    Statistic<"packedLinears", "packed-linears", "Linears whose weights were packed">
  ];
}

def AnnotateIndexInputsPass : Pass<"mbert-annotate-index-inputs", "mlir::ModuleOp"> {
  let summary = "Record the values integer graph inputs may hold";
  let description = [{
    Follows each integer graph input through ops that keep its values
    (integer Cast, Reshape, Squeeze, Unsqueeze, Expand, Slice, Transpose) and
    through the addition or subtraction of a constant, to the Gathers that
    use it as indices, and records the values that select a row of every
    table as the input's `allowed_values` [begin, end) in the module's
    `mbert.signature`. An integer input used as `1 - mask` or `mask - 1`
    (through casts to float as well) gets [0, 2).
    The entry point later checks inputs against it before computing, so an
    out-of-range token id is reported instead of reading out of bounds. The
    walk uses a worklist: a chain of any length cannot exhaust the stack.
  }];
}

def LowerToLinalgPass : Pass<"mbert-lower-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower the onnx and mbert dialects to linalg, vector and scf on tensors";
  let description = [{
    Import-level ops become linalg on tensors. Every GEMM of the model ops
    becomes the register-tiled microkernel that the op's `kernel` names,
    written with vector ops (and ArmNeon or LLVM intrinsics for SDOT and
    PMADDWD): a tile of `mr` x `nr` outputs is accumulated in registers over
    the whole reduction, seeded with the bias and scaled residual, and
    written once, after its activation. A linear with int8 weights first
    quantizes its input rows (one scale and zero point per row, computed at
    run time) and dequantizes the int32 accumulators before the f32
    epilogue. Ops without a `kernel` get the portable kernels. Kernels that
    read one depth group of a weight panel per step also prefetch that group
    of the next panel (memref.prefetch on a read-only bufferization.to_buffer
    of the packed weight).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::arm_neon::ArmNeonDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::bufferization::BufferizationDialect"];
}

def ApproximateExpPass : Pass<"mbert-approximate-exp", "mlir::ModuleOp"> {
  let summary = "Compute f32 exp with a polynomial instead of a libm call";
  let description = [{
    Softmax takes one exp per attention score: 1.5 million per MobileBERT
    run at sequence length 128. As a call to libm's `expf` each one is
    scalar and pays for errno handling; as MLIR's polynomial approximation
    (range reduction by ln 2, a polynomial, exponent bits set directly,
    with overflow and underflow handled) it is plain arithmetic that LLVM
    vectorizes with the loop around it. Of the math ops only `math.exp` is
    approximated. Every `math.fma` (no lowering emits one besides the
    approximation) becomes a contractible multiply and add, so targets
    without FMA do not call libm's `fmaf` instead.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::vector::VectorDialect"];
}

def CopySharedResultsPass : Pass<"mbert-copy-shared-results", "mlir::ModuleOp"> {
  let summary = "Give every result of the entry point a value of its own";
  let description = [{
    Every graph output becomes its own caller-provided buffer. A returned
    value that is an argument of the entry point (a graph output that is a
    graph input) or that is returned more than once (two outputs computed by
    identical nodes, merged by CSE) cannot be: it is replaced, at the return,
    by a copy (`bufferization.alloc_tensor` with `copy`, a new buffer after
    bufferization). Runs on tensors, right before bufferization.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
  let statistics = [
    Statistic<"copiedResults", "copied-results", "Results given a copy of their own">
  ];
}

def PrivatizeParallelTemporariesPass
    : Pass<"mbert-privatize-parallel-temporaries", "mlir::ModuleOp"> {
  let summary = "Give each iteration of a parallel loop its own temporaries, planned before it";
  let description = [{
    Runs on bufferized IR, before mbert-plan-memory. Bufferization leaves
    the temporaries of a parallel loop (`scf.forall` at the top of the
    entry function) as allocations inside it, one per iteration at run
    time. Each becomes a `memref.view` of slot `iv` of one buffer allocated
    before the loop, with a slot (rounded up to the workspace alignment)
    for every iteration, so that iterations running at the same time never
    share a temporary and nothing is allocated inside a loop. A loop whose
    iteration count is not a constant, or a temporary whose shape is not
    static, is an error.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect"];
}

def PlanMemoryPass : Pass<"mbert-plan-memory", "mlir::ModuleOp"> {
  let summary = "Place every intermediate buffer in one workspace arena";
  let description = [{
    Runs on bufferized IR. Each `memref.alloc` in the model's entry function
    gets an offset in a single workspace buffer, chosen by liveness: buffers
    whose lifetimes (first definition to last use, through views) do not
    overlap may share bytes. The allocs become `memref.view`s of a new
    trailing `workspace` argument and the arena size is recorded on the
    module as `mbert.workspace_size`. No allocation remains. Inside an
    `mbert.parallel_region`, whose loops run without barriers between them,
    two buffers used by different loops share bytes only from the same
    offset, both holding the region's `#mbert.row_partition` rows with the
    same bytes per row.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def LowerStridedCopiesPass : Pass<"mbert-lower-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Turn copies between strided buffers into linalg.copy loops";
  let description = [{
    MLIR lowers a `memref.copy` whose operands are not both dense to a call
    to `memrefCopy` from its C runner library, which a model object must not
    depend on. Such copies (slices written into concatenations, pads) become
    `linalg.copy`, which lowers to plain loops; dense copies stay and become
    memcpy.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def OutlineLoopNestsPass : Pass<"mbert-outline-loop-nests", "mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of the entry point into its own function";
  let description = [{
    A full MobileBERT is about a thousand loop nests; in one function LLVM's
    optimizer scales badly with its size (minutes at -O2). Each top-level
    `scf.for` or `scf.forall` nest of the entry function becomes a private,
    non-inlinable function that takes the dense buffers it touches;
    constants, globals and views are rebuilt inside it. The entry point becomes a sequence of
    calls, one per kernel. A parallel loop (a one-dimensional `scf.forall`
    with a constant step) capturing only buffers and indices becomes a
    kernel that runs a range [begin, end) of its iterations in turn: its two
    trailing arguments carry `#mbert.kernel_argument<iteration_begin>` and
    `<iteration_end>`, and the call passes the whole range, a count computed
    before it when the bounds are known only at run time.
    mbert-dispatch-parallel-kernels later splits that range across the
    thread pool.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

def FinalizeEntryPointPass : Pass<"mbert-finalize-entry-point", "mlir::ModuleOp"> {
  let summary = "Give the entry point its C ABI: status result, index checks, pool";
  let description = [{
    Turns the bufferized entry function into the ABI of docs/ABI.md: it
    returns an i32 status, takes a trailing opaque thread-pool pointer, and
    first checks, in order: that no input or output buffer of a non-empty
    tensor, nor a needed workspace, is NULL (MBERT_ERROR_NULL_BUFFER, 13);
    that the workspace is aligned to 64 bytes (MBERT_ERROR_WORKSPACE_MISALIGNED,
    15); and that every input with `allowed_values` [begin, end) in the
    signature holds only such values (MBERT_ERROR_INPUT_OUT_OF_RANGE, 2).
  }];
  let dependentDialects = ["mlir::cf::ControlFlowDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect", "mlir::LLVM::LLVMDialect"];
}

def FlattenConstantGlobalsPass : Pass<"mbert-flatten-constant-globals", "mlir::ModuleOp"> {
  let summary = "Make constant globals of nested LLVM arrays flat arrays over the same bytes";
  let description = [{
    Runs on the LLVM dialect, before translation to LLVM IR. A constant
    `llvm.mlir.global` whose type is a nest of arrays of scalars (a weight of
    rank > 1) becomes one flat array of the same scalars. Its dense
    initializer becomes a `dense_resource` that views the attribute's bytes
    without copying them (a splat stays a splat). The translation builds one
    LLVM constant per innermost row of a nested array, which for packed
    weights costs several times their size in memory; a flat array is one
    constant. Users are unaffected: they address the global through pointers.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def FormParallelRegionsPass : Pass<"mbert-form-parallel-regions", "mlir::ModuleOp"> {
  let summary = "Run consecutive row-partitioned parallel loops with one barrier";
  let description = [{
    Runs on bufferized IR, before mbert-plan-memory. Consecutive parallel
    loops of the entry block (`scf.forall`) that carry the same
    `#mbert.row_partition`, with iteration counts of `mbert.pool_threads`
    times a whole number, go into one `mbert.parallel_region`: on the thread
    pool, slot b of the region runs block b of each loop in turn, and
    threads wait for each other only at the region's end. Ops between the
    loops that touch no memory (constants, views) and allocations move
    before the region; anything else ends a run. The memory plan then lets
    two buffers of the region share bytes only from the same offset and with
    the partition's rows laid out alike.
  }];
  let statistics = [
    Statistic<"regions", "regions", "Parallel regions formed">,
    Statistic<"loopsInRegions", "loops-in-regions", "Parallel loops put into regions">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mbert::model::MBertDialect"];
}

def DispatchParallelKernelsPass : Pass<"mbert-dispatch-parallel-kernels", "mlir::ModuleOp"> {
  let summary = "Run the kernels of parallel loop nests on the caller's thread pool";
  let description = [{
    Runs on the LLVM dialect after the entry point got its ABI. A kernel
    outlined from a parallel loop nest (a GEMM's column panels, attention's
    (batch, head) pairs) takes a range
    of the loop's iterations; each call of it becomes a call of
    `pool->parallel_for` with a task that unpacks the kernel's buffers from a
    stack array, or, when the caller passed no pool, one call of that task on
    the whole range. Iterations write disjoint outputs, each computed in a
    fixed order, so any split computes the same bits. An
    `mbert.parallel_region` of T threads becomes one call of
    `pool->parallel_for` over T slots, slot b calling each of the region's
    kernels in turn on block b of its range (iterations [n * b / T, n * (b +
    1) / T) of a range of n).
  }];
  let statistics = [
    Statistic<"dispatchedCalls", "dispatched-calls", "Kernel calls handed to the thread pool">,
    Statistic<"dispatchedRegions", "dispatched-regions",
              "Parallel regions handed to the thread pool">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def EmitModelDescriptorPass : Pass<"mbert-emit-model-descriptor", "mlir::ModuleOp"> {
  let summary = "Emit the packed entry point and the mbert_model_t descriptor";
  let description = [{
    Runs on the LLVM dialect. Adds `<name>_run_packed`, which unpacks an
    array of buffer pointers and calls `<name>_run`, and the constant
    `<name>_model` of type `mbert_model_t` (names, shapes, dtypes, workspace
    size) that the runtime and the generic runner read.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // MBERT_PASSES
