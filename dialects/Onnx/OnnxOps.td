//===- OnnxOps.td - the ONNX-level import dialect ----------*- tablegen -*-===//
//
// One op per ONNX operator that MobileBERT exports use, with ONNX semantics.
// Every opset-dependent form (an attribute in old opsets, an input in new ones)
// is normalized by the importer to the newest form, so each op has one shape.
// Result types are inferred from the operands; when an operand that decides a
// shape (Reshape's target shape, Slice's bounds, ...) is a constant, the result
// is fully static, which is what lets shape plumbing fold away.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_ONNX_OPS
#define MBERT_ONNX_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::mbert::onnx_import";
  let summary = "ONNX operators as imported from a model file";
  let description = [{
    The import dialect mirrors ONNX operators one to one. Ops keep ONNX
    semantics (multidirectional broadcasting, negative axes, clamped slice
    bounds) and carry their node names as locations. Passes raise them to the
    `mbert` dialect; whatever is not raised lowers directly to linalg.
  }];
  let hasConstantMaterializer = 1;
}

class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic,
         !listconcat(traits, [Pure, InferTypeOpAdaptorWithIsCompatible])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

def Onnx_ConstantOp : Onnx_Op<"Constant", [ConstantLike]> {
  let summary = "a constant tensor (initializers and Constant nodes)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def Onnx_ShapeOp : Onnx_Op<"Shape"> {
  let summary = "the shape of a tensor as a 1-D int64 tensor, optionally sliced";
  let arguments = (ins AnyTensor:$data, DefaultValuedAttr<I64Attr, "0">:$start,
                       OptionalAttr<I64Attr>:$end);
  let results = (outs TensorOf<[I64]>:$shape);
  let hasFolder = 1;
}

def Onnx_ConstantOfShapeOp : Onnx_Op<"ConstantOfShape"> {
  let summary = "a tensor of the given shape filled with one value";
  let description = [{ `value` is a one-element tensor; absent means float32 zero. }];
  let arguments = (ins TensorOf<[I64]>:$input, OptionalAttr<ElementsAttr>:$value);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_CastOp : Onnx_Op<"Cast"> {
  let summary = "element type conversion";
  let arguments = (ins AnyTensor:$input, TypeAttr:$to);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise (multidirectional broadcasting)
//===----------------------------------------------------------------------===//

class Onnx_BinaryOp<string mnemonic, list<Trait> traits = []>
    : Onnx_Op<mnemonic, traits> {
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_AddOp : Onnx_BinaryOp<"Add", [Commutative]> { let summary = "elementwise sum"; }
def Onnx_SubOp : Onnx_BinaryOp<"Sub"> { let summary = "elementwise difference"; }
def Onnx_MulOp : Onnx_BinaryOp<"Mul", [Commutative]> { let summary = "elementwise product"; }
def Onnx_DivOp : Onnx_BinaryOp<"Div"> {
  let summary = "elementwise quotient (integer division truncates)";
}
def Onnx_EqualOp : Onnx_BinaryOp<"Equal", [Commutative]> {
  let summary = "elementwise equality, a bool tensor";
}

def Onnx_WhereOp : Onnx_Op<"Where"> {
  let summary = "elementwise select by a bool condition";
  let arguments = (ins TensorOf<[I1]>:$condition, AnyTensor:$x, AnyTensor:$y);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_ReluOp : Onnx_Op<"Relu"> {
  let summary = "max(x, 0)";
  let arguments = (ins AnyTensor:$input);
  let results = (outs AnyTensor:$output);
}

def Onnx_SqrtOp : Onnx_Op<"Sqrt"> {
  let summary = "elementwise square root of a float tensor";
  let arguments = (ins AnyTensor:$input);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def Onnx_PowOp : Onnx_Op<"Pow"> {
  let summary = "elementwise base ^ exponent (broadcasting), typed like the base";
  let description = [{
    Since opset 12 the exponent may have another numeric type than the base;
    the result always has the base's element type.
  }];
  let arguments = (ins AnyTensor:$base, AnyTensor:$exponent);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and normalization
//===----------------------------------------------------------------------===//

def Onnx_MatMulOp : Onnx_Op<"MatMul"> {
  let summary = "numpy matmul: batched, broadcasting, 1-D operands promoted";
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def Onnx_GemmOp : Onnx_Op<"Gemm"> {
  let summary = "alpha * op(A) * op(B) + beta * C on 2-D operands";
  let arguments = (ins AnyTensor:$a, AnyTensor:$b, Optional<AnyTensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                       DefaultValuedAttr<I64Attr, "0">:$transA,
                       DefaultValuedAttr<I64Attr, "0">:$transB);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def Onnx_SoftmaxOp : Onnx_Op<"Softmax"> {
  let summary = "softmax along one axis (opset 13 semantics)";
  let arguments = (ins AnyTensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def Onnx_ReduceMeanOp : Onnx_Op<"ReduceMean"> {
  let summary = "mean over `axes` (all of them when absent)";
  let description = [{
    Opsets up to 17 give the axes as an attribute. With `keepdims` the reduced
    dimensions stay as size 1, otherwise they are removed.
  }];
  let arguments = (ins AnyTensor:$data, OptionalAttr<DenseI64ArrayAttr>:$axes,
                       DefaultValuedAttr<I64Attr, "1">:$keepdims);
  let results = (outs AnyTensor:$reduced);
  let hasVerifier = 1;
}

def Onnx_LayerNormalizationOp : Onnx_Op<"LayerNormalization"> {
  let summary = "normalize over the dimensions from `axis` on, then scale and shift";
  let description = [{
    `output = (x - mean) * inv_std_dev * scale + bias`, where mean and the
    variance are taken over dimensions [axis, rank) and
    `inv_std_dev = 1 / sqrt(variance + epsilon)`. `mean` and `inv_std_dev`
    keep the reduced dimensions as size 1 (ONNX's optional outputs). Only
    float32 input with float32 statistics (stash_type 1) is supported.
  }];
  let arguments = (ins AnyTensor:$input, AnyTensor:$scale, Optional<AnyTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs AnyTensor:$output, AnyTensor:$mean, AnyTensor:$inv_std_dev);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Onnx_QuantizeLinearOp : Onnx_Op<"QuantizeLinear"> {
  let summary = "saturate(round_half_to_even(x / scale) + zero_point) as int8 or uint8";
  let description = [{
    `scale` (f32) and `zero_point` (int8 or uint8, optional: uint8 0) are
    scalars (per tensor) or 1-D with one value per slice of `input` along
    `axis` (per axis, opset 13). The result has the zero point's element
    type; without one it is uint8. `axis` is only read per axis.
  }];
  let arguments = (ins AnyTensor:$input, AnyTensor:$scale, Optional<AnyTensor>:$zero_point,
                       DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_DequantizeLinearOp : Onnx_Op<"DequantizeLinear"> {
  let summary = "(x - zero_point) * scale as f32, from int8, uint8 or int32";
  let description = [{
    Parameters as in QuantizeLinear; the zero point, when present, has the
    input's element type. The op has no folder: a DequantizeLinear of a
    constant is a quantized weight, which `mbert-raise-quantized-linears`
    must see as such. That pass turns the ones it does not raise into f32
    constants (`computeConstantResult`), as does the generic lowering.
  }];
  let arguments = (ins AnyTensor:$input, AnyTensor:$scale, Optional<AnyTensor>:$zero_point,
                       DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The f32 result when every operand is a constant and the result type
    /// is static; null otherwise.
    ::mlir::DenseElementsAttr computeConstantResult();
  }];
}

def Onnx_DynamicQuantizeLinearOp : Onnx_Op<"DynamicQuantizeLinear"> {
  let summary = "uint8 quantization of a f32 tensor with a scale and zero point from its range";
  let description = [{
    With `lo = min(0, min(x))` and `hi = max(0, max(x))`: `scale = (hi - lo)
    / 255` (1 when the range is empty), `zero_point = round(clamp(-lo /
    scale, 0, 255))` and `y = saturate(round_half_to_even(x / scale) +
    zero_point)`. The zero point rounds half away from zero as ONNX Runtime
    does (the specification's reference rounds half to even; the two differ
    only when -lo / scale is exactly halfway between integers).
  }];
  let arguments = (ins AnyTensor:$input);
  let results = (outs AnyTensor:$output, AnyTensor:$scale, AnyTensor:$zero_point);
  let hasVerifier = 1;
}

def Onnx_MatMulIntegerOp : Onnx_Op<"MatMulInteger", [AttrSizedOperandSegments]> {
  let summary = "numpy matmul of (a - a_zero_point) and (b - b_zero_point) in int32";
  let description = [{
    `a` and `b` are int8 or uint8. `a_zero_point` is a scalar or has one
    value per row of `a` ([M]); `b_zero_point` a scalar or one value per
    column of `b` ([N]). Absent zero points are 0.
  }];
  let arguments = (ins AnyTensor:$lhs, AnyTensor:$rhs, Optional<AnyTensor>:$lhs_zero_point,
                       Optional<AnyTensor>:$rhs_zero_point);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Onnx_GatherOp : Onnx_Op<"Gather"> {
  let summary = "take slices of `data` along `axis` at `indices`";
  let arguments = (ins AnyTensor:$data, AnyTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_SliceOp : Onnx_Op<"Slice", [AttrSizedOperandSegments]> {
  let summary = "strided slice with ONNX clamping of starts and ends";
  let arguments = (ins AnyTensor:$data, AnyTensor:$starts, AnyTensor:$ends,
                       Optional<AnyTensor>:$axes, Optional<AnyTensor>:$steps);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def Onnx_PadOp : Onnx_Op<"Pad"> {
  let summary = "constant padding (pads as [begin..., end...])";
  let arguments = (ins AnyTensor:$data, TensorOf<[I64]>:$pads,
                       Optional<AnyTensor>:$constant_value,
                       DefaultValuedAttr<StrAttr, "\"constant\"">:$mode);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def Onnx_ConcatOp : Onnx_Op<"Concat"> {
  let summary = "join tensors along an axis";
  let arguments = (ins Variadic<AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_SplitOp : Onnx_Op<"Split"> {
  let summary = "split a tensor along an axis into parts of given sizes";
  let description = [{
    Without `split`, the axis is divided evenly among the `num_outputs` results
    (the last one smaller when it does not divide).
  }];
  let arguments = (ins AnyTensor:$input, Optional<TensorOf<[I64]>>:$split,
                       DefaultValuedAttr<I64Attr, "0">:$axis, I64Attr:$num_outputs);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let hasVerifier = 1;
}

def Onnx_ReshapeOp : Onnx_Op<"Reshape"> {
  let summary = "reshape with ONNX 0 (copy) and -1 (infer) dimensions";
  let arguments = (ins AnyTensor:$data, TensorOf<[I64]>:$shape,
                       DefaultValuedAttr<I64Attr, "0">:$allowzero);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def Onnx_TransposeOp : Onnx_Op<"Transpose"> {
  let summary = "permute dimensions (reversed when perm is absent)";
  let arguments = (ins AnyTensor:$data, OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Onnx_UnsqueezeOp : Onnx_Op<"Unsqueeze"> {
  let summary = "insert size-1 dimensions at `axes` of the output";
  let arguments = (ins AnyTensor:$data, TensorOf<[I64]>:$axes);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def Onnx_SqueezeOp : Onnx_Op<"Squeeze"> {
  let summary = "remove size-1 dimensions (all of them when axes is absent)";
  let arguments = (ins AnyTensor:$data, Optional<TensorOf<[I64]>>:$axes);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def Onnx_ExpandOp : Onnx_Op<"Expand"> {
  let summary = "broadcast a tensor to a shape";
  let arguments = (ins AnyTensor:$input, TensorOf<[I64]>:$shape);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

#endif // MBERT_ONNX_OPS
