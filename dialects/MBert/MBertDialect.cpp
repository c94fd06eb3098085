//===- MBertDialect.cpp - the MobileBERT model dialect --------------------===//

#include "dialects/MBert/MBertOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mbert::model;

#include "dialects/MBert/MBertOpsDialect.cpp.inc"
#include "dialects/MBert/MBertOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/MBert/MBertOpsAttributes.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/MBert/MBertOps.cpp.inc"

void MBertDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/MBert/MBertOpsAttributes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/MBert/MBertOps.cpp.inc"
      >();
}

namespace {

RankedTensorType staticTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

/// `vector` must be 1-D with `size` elements: a per-channel parameter.
LogicalResult verifyChannelVector(Operation *op, Value vector, StringRef name,
                                  int64_t size) {
  RankedTensorType type = staticTensor(vector);
  if (!type || type.getRank() != 1 || type.getDimSize(0) != size)
    return op->emitOpError() << name << " must be a static 1-D tensor of " << size
                             << " elements, got " << vector.getType();
  return success();
}

} // namespace

LogicalResult MicroKernelAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                      KernelInstruction instruction, Type operand,
                                      Type accumulator, int64_t mr, int64_t nr, int64_t kr) {
  if (mr < 1 || nr < 1 || kr < 1)
    return emitError() << "mr, nr and kr must be positive";
  bool isFloat = instruction == KernelInstruction::Fma || instruction == KernelInstruction::FmaLane;
  if (isFloat ? !(operand.isF32() && accumulator.isF32())
              : !(operand.isSignlessInteger(8) && accumulator.isSignlessInteger(32)))
    return emitError() << stringifyKernelInstruction(instruction) << " multiplies "
                       << (isFloat ? "f32 into f32" : "i8 into i32") << ", got " << operand
                       << " -> " << accumulator;
  int64_t expectedDepthGroup = 1, columnMultiple = 1;
  switch (instruction) {
  case KernelInstruction::Fma:
  case KernelInstruction::FmaLane:
  case KernelInstruction::WideningMac:
    break;
  case KernelInstruction::Sdot:
    expectedDepthGroup = 4, columnMultiple = 4;
    break;
  case KernelInstruction::Pmaddwd:
    expectedDepthGroup = 2, columnMultiple = 4;
    break;
  case KernelInstruction::Pmaddubsw:
  case KernelInstruction::PmaddubswPair:
  case KernelInstruction::Vpdpbusd:
    expectedDepthGroup = 4, columnMultiple = 8;
    break;
  case KernelInstruction::Smmla:
    expectedDepthGroup = 8, columnMultiple = 4;
    break;
  }
  if (kr != expectedDepthGroup)
    return emitError() << stringifyKernelInstruction(instruction) << " consumes kr = "
                       << expectedDepthGroup << " reduction steps per instruction, got " << kr;
  if (nr % columnMultiple != 0)
    return emitError() << stringifyKernelInstruction(instruction)
                       << " needs nr to be a multiple of " << columnMultiple << ", got " << nr;
  // The x86 integer kernels keep a row of the tile in two registers of
  // int32 lanes: SSE's 4, AVX2's 8 or AVX-512's 16.
  if (isX86Instruction(instruction) && nr != 8 && nr != 16 && nr != 32)
    return emitError() << stringifyKernelInstruction(instruction)
                       << " needs nr = 8, 16 or 32 (two x86 registers of int32 lanes), got " << nr;
  return success();
}

LogicalResult RowPartitionAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t rows,
                                       int64_t tileRows) {
  if (rows < 1 || tileRows < 1 || tileRows > rows)
    return emitError() << "row partition needs 1 <= tile_rows <= rows, got rows = " << rows
                       << ", tile_rows = " << tileRows;
  return success();
}

int64_t MicroKernelAttr::getDepthPerStep() {
  switch (getInstruction()) {
  // SDOT and SMMLA read 16 bytes of an input row at once: four depth groups
  // picked by lane, or two split between blocks.
  case KernelInstruction::Sdot:
  case KernelInstruction::Smmla:
    return 16;
  // FMLA by element loads four floats of a row and uses each lane.
  case KernelInstruction::FmaLane:
    return 4;
  // Two depth groups whose int16 sums add before one PMADDWD.
  case KernelInstruction::PmaddubswPair:
    return 8;
  default:
    return getKr();
  }
}

int64_t MicroKernelAttr::getPaddedDepth(int64_t depth) {
  // f32 kernels take the depths that do not fill a step one at a time.
  return isInteger() ? llvm::alignTo(depth, getDepthPerStep()) : depth;
}

std::pair<int32_t, int32_t> MicroKernelAttr::getActivationCodeRange() {
  // Two pairs of products, each at most 2 * 127 * 63, add within int16.
  if (getInstruction() == KernelInstruction::PmaddubswPair)
    return {0, 127};
  if (getInstruction() == KernelInstruction::Pmaddubsw ||
      getInstruction() == KernelInstruction::Vpdpbusd)
    return {0, 255};
  return {-128, 127};
}

int32_t MicroKernelAttr::getWeightMagnitudeLimit() {
  // PMADDUBSW sums two uint8 x int8 products into a saturating int16:
  // 255 * 63 * 2 = 32130 fits, 255 * 127 * 2 does not.
  return getInstruction() == KernelInstruction::Pmaddubsw ||
                 getInstruction() == KernelInstruction::PmaddubswPair
             ? 63
             : 127;
}

SmallVector<int64_t, 4> MicroKernelAttr::getPackedWeightShape(int64_t depth, int64_t columns) {
  return {llvm::divideCeilSigned(columns, getNr()), getPaddedDepth(depth) / getKr(), getNr(),
          getKr()};
}

int64_t LinearOp::getDepth() {
  return cast<RankedTensorType>(getInput().getType()).getShape().back();
}

int64_t LinearOp::getColumns() {
  return cast<RankedTensorType>(getResult().getType()).getShape().back();
}

LogicalResult LinearOp::verify() {
  RankedTensorType input = staticTensor(getInput());
  RankedTensorType weight = staticTensor(getWeight());
  RankedTensorType result = staticTensor(getResult());
  if (!input || !weight || !result)
    return emitOpError("operands and result must have static shapes");
  if (input.getRank() < 1 || result.getRank() < 1)
    return emitOpError("input and result must have rank >= 1");
  int64_t depth = input.getShape().back(), columns = result.getShape().back();
  MicroKernelAttr kernel = getKernelAttr();
  if (kernel && kernel.isInteger() != isQuantized())
    return emitOpError("kernel ") << kernel << " does not multiply "
                                  << weight.getElementType() << " weights";
  if (weight.getRank() == 4) {
    if (!kernel)
      return emitOpError("a packed (rank-4) weight needs the kernel that defines its layout");
    SmallVector<int64_t, 4> expected = kernel.getPackedWeightShape(depth, columns);
    if (weight.getShape() != ArrayRef(expected))
      return emitOpError("weight packed for ")
             << kernel << " must have shape [" << expected[0] << ", " << expected[1] << ", "
             << expected[2] << ", " << expected[3] << "], got " << weight;
  } else {
    if (weight.getRank() != 2)
      return emitOpError("weight must be 2-D [K, N] or packed, got rank ") << weight.getRank();
    if (depth != weight.getDimSize(0))
      return emitOpError("input's last dimension must equal weight's K = ")
             << weight.getDimSize(0);
    columns = weight.getDimSize(1);
  }
  SmallVector<int64_t> expected(input.getShape().drop_back());
  expected.push_back(columns);
  if (result.getShape() != ArrayRef(expected))
    return emitOpError("result shape must be input shape with the last dimension ") << columns;
  bool integerWeight = weight.getElementType().isSignlessInteger(8);
  if (integerWeight != static_cast<bool>(getWeightScale()))
    return emitOpError(integerWeight ? "an int8 weight needs weight_scale and weight_sums"
                                     : "weight_scale and weight_sums belong to int8 weights");
  if (Value scale = getWeightScale())
    if (failed(verifyChannelVector(*this, scale, "weight_scale", columns)) ||
        failed(verifyChannelVector(*this, getWeightSums(), "weight_sums", columns)))
      return failure();
  if (Value smoothing = getSmoothing()) {
    if (!integerWeight)
      return emitOpError("smoothing belongs to int8 weights");
    if (failed(verifyChannelVector(*this, smoothing, "smoothing", depth)))
      return failure();
  }
  if (std::optional<DenseElementsAttr> range = getInputRange();
      range && (range->getType().getRank() != 1 || range->getNumElements() != depth))
    return emitOpError("input_range must have one value per input channel (") << depth << ")";
  if (getBias() && failed(verifyChannelVector(*this, getBias(), "bias", columns)))
    return failure();
  if (getResidual() && getResidual().getType() != result)
    return emitOpError("residual must have the result type ") << result;
  if (Value scale = getResidualScale()) {
    if (!getResidual())
      return emitOpError("residual_scale needs a residual");
    if (failed(verifyChannelVector(*this, scale, "residual_scale", columns)))
      return failure();
  }
  // The sequence is the axis before the channels; a batch before it would
  // make the valid rows non-contiguous.
  if (getLength() && (input.getRank() < 2 || input.getNumElements() / depth !=
                                                 input.getDimSize(input.getRank() - 2)))
    return emitOpError("a run-time length needs the rows to be one sequence ([1, S, K] or [S, K])");
  return success();
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType ids = staticTensor(getInputIds());
  RankedTensorType wordTable = staticTensor(getWordTable());
  RankedTensorType projection = staticTensor(getProjection());
  RankedTensorType result = staticTensor(getResult());
  if (!ids || !wordTable || !projection || !result)
    return emitOpError("ids, tables, projection and result must have static shapes");
  if (ids.getRank() != 2)
    return emitOpError("input_ids must be [B, S], got rank ") << ids.getRank();
  if (wordTable.getRank() != 2 || wordTable.getDimSize(0) == 0)
    return emitOpError("word_table must be a non-empty [V, E] table");
  bool integerTable = wordTable.getElementType().isSignlessInteger(8);
  if (integerTable != static_cast<bool>(getWordScale()))
    return emitOpError(integerTable ? "an int8 word_table needs word_scale"
                                    : "word_scale belongs to an int8 word_table");
  if (Value scale = getWordScale();
      scale && failed(verifyChannelVector(*this, scale, "word_scale", wordTable.getDimSize(0))))
    return failure();
  int64_t batch = ids.getDimSize(0), length = ids.getDimSize(1);
  int64_t width = wordTable.getDimSize(1);
  if (projection.getRank() != 2 || projection.getDimSize(0) != 3 * width)
    return emitOpError("projection must be [3E, H] = [") << 3 * width << ", H], got "
                                                         << projection;
  int64_t channels = projection.getDimSize(1);
  if (result.getShape() != ArrayRef<int64_t>{batch, length, channels})
    return emitOpError("result must be [B, S, H] = [")
           << batch << ", " << length << ", " << channels << "], got " << result;
  if (getBias() && failed(verifyChannelVector(*this, getBias(), "bias", channels)))
    return failure();
  if (Value position = getPosition()) {
    RankedTensorType type = staticTensor(position);
    bool fits = type && (type.getShape() == ArrayRef<int64_t>{length, channels} ||
                         type.getShape() == ArrayRef<int64_t>{1, length, channels});
    if (!fits)
      return emitOpError("position must be [S, H] or [1, S, H] with S = ")
             << length << ", H = " << channels << ", got " << position.getType();
  }
  if (static_cast<bool>(getTokenTypeIds()) != static_cast<bool>(getTypeTable()))
    return emitOpError("token_type_ids and type_table come together or not at all");
  if (Value typeIds = getTokenTypeIds()) {
    RankedTensorType typeIdsType = staticTensor(typeIds);
    if (!typeIdsType || typeIdsType.getShape() != ids.getShape())
      return emitOpError("token_type_ids must have the shape of input_ids");
    RankedTensorType typeTable = staticTensor(getTypeTable());
    if (!typeTable || typeTable.getRank() != 2 || typeTable.getDimSize(0) == 0 ||
        typeTable.getDimSize(1) != channels)
      return emitOpError("type_table must be a non-empty static [T, H] table with H = ")
             << channels;
  }
  if (getLength() && batch != 1)
    return emitOpError("a run-time length needs batch 1");
  return success();
}

LogicalResult NoNormOp::verify() {
  RankedTensorType input = staticTensor(getInput());
  if (!input || input.getRank() < 1)
    return emitOpError("input must be a static tensor of rank >= 1");
  if (getResult().getType() != input)
    return emitOpError("result type must equal the input type");
  int64_t channels = input.getShape().back();
  if (failed(verifyChannelVector(*this, getGamma(), "gamma", channels)) ||
      failed(verifyChannelVector(*this, getBeta(), "beta", channels)))
    return failure();
  return success();
}

LogicalResult PoolBlockStartsOp::verify() {
  if (getResult().getType() != getPoolBlockStartsType(getContext()))
    return emitOpError("result must be ") << getPoolBlockStartsType(getContext())
                                          << ": an entry for each of the most blocks, and the end";
  return success();
}

LogicalResult AttentionOp::verify() {
  RankedTensorType query = staticTensor(getQuery());
  RankedTensorType key = staticTensor(getKey());
  RankedTensorType value = staticTensor(getValue());
  if (!query || !key || !value || query.getRank() != 3 || key.getRank() != 3 ||
      value.getRank() != 3)
    return emitOpError("query, key and value must be static [B, S, H*D] tensors");
  if (key.getShape() != value.getShape())
    return emitOpError("key and value shapes differ");
  if (query.getDimSize(0) != key.getDimSize(0) || query.getDimSize(2) != key.getDimSize(2))
    return emitOpError("query and key differ in batch or channels");
  if (query.getDimSize(2) % getNumHeads() != 0)
    return emitOpError("channels (") << query.getDimSize(2)
                                     << ") are not divisible by num_heads (" << getNumHeads()
                                     << ")";
  if (getResult().getType() != query)
    return emitOpError("result type must equal the query type");
  if (MicroKernelAttr kernel = getKernelAttr(); kernel && kernel.isInteger())
    return emitOpError("attention's products are f32; kernel ") << kernel << " is not";
  if (getLength() && (query.getDimSize(0) != 1 || query.getDimSize(1) != key.getDimSize(1)))
    return emitOpError("a run-time length needs batch 1 and as many queries as keys");
  if (Value mask = getMaskBias()) {
    RankedTensorType maskType = staticTensor(mask);
    SmallVector<int64_t> scores = {query.getDimSize(0), static_cast<int64_t>(getNumHeads()),
                                   query.getDimSize(1),
                                   key.getDimSize(1)};
    if (!maskType || maskType.getRank() > 4)
      return emitOpError("mask_bias must be static of rank <= 4");
    for (int64_t d = 0; d < maskType.getRank(); ++d) {
      int64_t dim = maskType.getShape()[maskType.getRank() - 1 - d];
      if (dim != 1 && dim != scores[3 - d])
        return emitOpError("mask_bias ") << maskType << " does not broadcast to [B, H, Sq, Sk]";
    }
  }
  return success();
}
