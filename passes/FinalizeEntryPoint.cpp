//===- FinalizeEntryPoint.cpp - the entry point's C ABI -------------------===//
//
// Gives the planned entry function the signature of docs/ABI.md:
//   int32_t <name>_run(inputs..., outputs..., workspace, pool)
// Token ids index embedding tables; an id outside its table must be reported,
// not turned into an out-of-bounds read, so annotated inputs are checked
// before anything else runs.
//
//===----------------------------------------------------------------------===//

#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mbert {
#define GEN_PASS_DEF_FINALIZEENTRYPOINTPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

/// Emits a loop over every element of the integer buffer `input` and returns
/// an i1 that is true when some element is negative or >= `bound`.
Value buildOutOfRangeCheck(OpBuilder &builder, Location loc, Value input, int64_t bound) {
  auto type = cast<MemRefType>(input.getType());
  Value flat = input;
  if (type.getRank() != 1) {
    SmallVector<ReassociationIndices> allDims(1);
    for (int64_t d = 0; d < type.getRank(); ++d)
      allDims[0].push_back(d);
    flat = type.getRank() == 0
               ? memref::ExpandShapeOp::create(builder, loc,
                                               MemRefType::get({1}, type.getElementType()), input,
                                               ArrayRef<ReassociationIndices>{})
                     .getResult()
               : memref::CollapseShapeOp::create(builder, loc, input, allDims).getResult();
  }
  int64_t count = cast<MemRefType>(flat.getType()).getDimSize(0);
  Type elementType = type.getElementType();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value end = arith::ConstantIndexOp::create(builder, loc, count);
  Value lowest = arith::ConstantIntOp::create(builder, loc, elementType, 0);
  Value limit = arith::ConstantIntOp::create(builder, loc, elementType, bound);
  Value clean = arith::ConstantIntOp::create(builder, loc, builder.getI1Type(), 0);
  auto loop = scf::ForOp::create(
      builder, loc, zero, end, one, ValueRange{clean},
      [&](OpBuilder &b, Location l, Value index, ValueRange carried) {
        Value element = memref::LoadOp::create(b, l, flat, ValueRange{index});
        Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, element, lowest);
        Value tooLarge = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, element, limit);
        Value bad = arith::OrIOp::create(b, l, negative, tooLarge);
        scf::YieldOp::create(b, l, ValueRange{arith::OrIOp::create(b, l, carried[0], bad)});
      });
  return loop.getResult(0);
}

struct FinalizeEntryPointPass : mbert::impl::FinalizeEntryPointPassBase<FinalizeEntryPointPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<mbert::ModelSignature> signature = mbert::getModelSignature(module);
    if (failed(signature))
      return signalPassFailure();
    auto entry = dyn_cast_or_null<func::FuncOp>(mbert::lookupEntryFunction(module));
    if (!entry || !entry.getBody().hasOneBlock() || entry.getNumResults() != 0) {
      module.emitError("finalize-entry-point needs the planned entry function "
                       "(single block, results as out params)");
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    OpBuilder builder(context);
    Location loc = entry.getLoc();
    auto status = builder.getI32Type();

    if (failed(entry.insertArgument(entry.getNumArguments(), LLVM::LLVMPointerType::get(context),
                                    builder.getDictionaryAttr(builder.getNamedAttr(
                                        "mbert.pool", builder.getUnitAttr())),
                                    loc)))
      return signalPassFailure();
    entry.setType(builder.getFunctionType(entry.getArgumentTypes(), {status}));

    Block &entryBlock = entry.getBody().front();
    entry.walk([&](func::ReturnOp ret) {
      builder.setInsertionPoint(ret);
      Value ok = arith::ConstantIntOp::create(builder, ret.getLoc(), status, mbert::kStatusOk);
      func::ReturnOp::create(builder, ret.getLoc(), ValueRange{ok});
      ret.erase();
    });

    SmallVector<std::pair<Value, int64_t>> checkedInputs;
    for (auto [argument, input] : llvm::zip(entry.getArguments(), signature->inputs))
      if (input.indexBound)
        checkedInputs.push_back({argument, *input.indexBound});
    if (checkedInputs.empty())
      return;

    // Split the entry block so the checks run first and branch either to the
    // original body or to an early error return.
    Block *body = entryBlock.splitBlock(entryBlock.begin());
    builder.setInsertionPointToEnd(&entryBlock);
    Value anyBad;
    for (auto [input, bound] : checkedInputs) {
      Value bad = buildOutOfRangeCheck(builder, loc, input, bound);
      anyBad = anyBad ? arith::OrIOp::create(builder, loc, anyBad, bad).getResult() : bad;
    }
    Block *errorBlock = builder.createBlock(body);
    Value outOfRange = arith::ConstantIntOp::create(builder, loc, status, mbert::kStatusInputOutOfRange);
    func::ReturnOp::create(builder, loc, ValueRange{outOfRange});
    builder.setInsertionPointToEnd(&entryBlock);
    cf::CondBranchOp::create(builder, loc, anyBad, errorBlock, ValueRange(), body, ValueRange());
  }
};

} // namespace
