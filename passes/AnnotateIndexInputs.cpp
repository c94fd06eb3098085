//===- AnnotateIndexInputs.cpp - the values integer inputs may hold -------===//
//
// Records, per integer graph input, the interval of values the entry point
// will accept (FinalizeEntryPoint checks it before computing):
//  - an input that indexes a table must select one of its rows. The walk
//    sees through ops that move integers unchanged (Reshape, Squeeze,
//    Unsqueeze, Expand, Slice, Transpose, integer Casts; a Slice's input is
//    checked whole) and through the addition or
//    subtraction of one constant, which shifts the interval (ids + 1000 into
//    a 30522-row table accepts [-1000, 29522));
//  - an attention mask used arithmetically, as `1 - mask` or `mask - 1`, must
//    hold 0 or 1: any other value is a bias of the wrong sign or size, which
//    ONNX computes without complaint but no tokenizer ever means.
// Indices computed in other ways (Mul, Where, ...) get no interval; the
// lowering clamps them into their table, so they never read out of bounds
// but are not reported either (docs/ABI.md).
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/OnnxShapes.h"
#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

namespace mbert {
#define GEN_PASS_DEF_ANNOTATEINDEXINPUTSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using namespace mbert::onnx_import;

namespace {

/// The single value of a constant whose elements are all equal.
std::optional<int64_t> getUniformConstant(Value value) {
  std::optional<SmallVector<int64_t>> values = getConstantIntValues(value);
  if (!values || values->empty() || !llvm::all_equal(*values))
    return std::nullopt;
  return values->front();
}

/// Whether `value` is a constant whose elements all equal `expected`, as
/// integers or as floats.
bool isUniformConstant(Value value, int64_t expected) {
  if (std::optional<int64_t> integer = getUniformConstant(value))
    return *integer == expected;
  DenseElementsAttr elements = getConstantElements(value);
  if (!elements || !isa<FloatType>(elements.getElementType()))
    return false;
  return llvm::all_of(elements.getValues<APFloat>(), [&](const APFloat &element) {
    return element.compare(APFloat(element.getSemantics(), expected)) == APFloat::cmpEqual;
  });
}

/// What the walk from one input found.
struct InputUses {
  std::optional<mbert::ValueInterval> indexInterval;
  bool isArithmeticMask = false;
};

/// Follows `input` through every op that keeps its values (up to a constant
/// offset) and collects the Gathers it indexes and the `1 - x` it feeds.
/// A worklist rather than recursion: a crafted chain of 100,000 Unsqueezes
/// must not overflow the stack.
InputUses findInputUses(Value input) {
  InputUses found;
  auto intersect = [&](int64_t begin, int64_t end) {
    mbert::ValueInterval &interval = found.indexInterval.emplace(
        found.indexInterval.value_or(mbert::ValueInterval{begin, end}));
    interval.begin = std::max(interval.begin, begin);
    interval.end = std::min(interval.end, end);
  };
  // `value` holds the input's elements plus `offset`.
  struct Item {
    Value value;
    int64_t offset;
  };
  SmallVector<Item> worklist = {{input, 0}};
  llvm::DenseSet<std::pair<Value, int64_t>> visited;
  while (!worklist.empty()) {
    Item item = worklist.pop_back_val();
    if (!visited.insert({item.value, item.offset}).second)
      continue;
    for (OpOperand &use : item.value.getUses()) {
      Operation *user = use.getOwner();
      if (auto gather = dyn_cast<GatherOp>(user)) {
        if (use.get() != gather.getIndices())
          continue;
        auto dataType = dyn_cast<RankedTensorType>(gather.getData().getType());
        if (!dataType)
          continue;
        int64_t extent = dataType.getDimSize(*normalizeAxis(gather.getAxis(), dataType.getRank()));
        if (ShapedType::isDynamic(extent))
          continue;
        // Row r is selected when input + offset == r, r in [0, extent).
        int64_t begin, end;
        if (llvm::SubOverflow(int64_t(0), item.offset, begin) ||
            llvm::SubOverflow(extent, item.offset, end))
          intersect(0, 0);
        else
          intersect(begin, end);
        continue;
      }
      if (isa<AddOp, SubOp>(user)) {
        unsigned other = use.getOperandNumber() == 0 ? 1 : 0;
        if (isa<SubOp>(user) && item.offset == 0 && isUniformConstant(user->getOperand(other), 1))
          found.isArithmeticMask = true;
        std::optional<int64_t> constant = getUniformConstant(user->getOperand(other));
        auto resultType = dyn_cast<RankedTensorType>(user->getResult(0).getType());
        // input - c shifts by -c; c - input negates, which is not followed.
        if (!constant || !resultType || !isa<IntegerType>(resultType.getElementType()) ||
            (isa<SubOp>(user) && other == 0))
          continue;
        int64_t offset;
        bool overflows = isa<AddOp>(user) ? llvm::AddOverflow(item.offset, *constant, offset)
                                          : llvm::SubOverflow(item.offset, *constant, offset);
        if (overflows)
          intersect(0, 0);
        else
          worklist.push_back({user->getResult(0), offset});
        continue;
      }
      Type resultElement = user->getNumResults() == 1
                               ? getElementTypeOrSelf(user->getResult(0).getType())
                               : Type();
      bool preservesValues =
          isa<ReshapeOp, SqueezeOp, UnsqueezeOp, ExpandOp, SliceOp, TransposeOp>(user) ||
          (isa<CastOp>(user) && isa<IntegerType>(resultElement) && !resultElement.isInteger(1));
      // A mask is often cast to float before `1 - mask`; that cast keeps 0
      // and 1, so the mask test looks through it (the index test does not).
      bool castToFloat = isa<CastOp>(user) && isa_and_nonnull<FloatType>(resultElement);
      if (use.getOperandNumber() == 0 && (preservesValues || (castToFloat && item.offset == 0)))
        worklist.push_back({user->getResult(0), item.offset});
    }
  }
  return found;
}

struct AnnotateIndexInputsPass
    : mbert::impl::AnnotateIndexInputsPassBase<AnnotateIndexInputsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<mbert::ModelSignature> signature = mbert::getModelSignature(module);
    auto entry = dyn_cast_or_null<func::FuncOp>(mbert::lookupEntryFunction(module));
    if (failed(signature) || !entry) {
      module.emitError("no mbert entry function to annotate");
      return signalPassFailure();
    }
    for (auto [argument, input] : llvm::zip(entry.getArguments(), signature->inputs)) {
      Type elementType = getElementTypeOrSelf(argument.getType());
      if (!elementType.isSignlessInteger() || elementType.isInteger(1))
        continue;
      InputUses uses = findInputUses(argument);
      if (uses.indexInterval)
        input.allowedValues = uses.indexInterval;
      else if (uses.isArithmeticMask)
        input.allowedValues = mbert::ValueInterval{0, 2};
    }
    mbert::setModelSignature(module, *signature);
  }
};

} // namespace
