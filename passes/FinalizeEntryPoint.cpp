//===- FinalizeEntryPoint.cpp - the entry point's C ABI -------------------===//
//
// Gives the planned entry function the signature of docs/ABI.md:
//   int32_t <name>_run(inputs..., [sequence_length,] outputs..., workspace, pool)
// (model::getEntryPointLayout, which it checks the arguments' roles against)
// and makes it check, before anything else runs, what a caller can get wrong:
// a pool's table of block starts that is not one (MBERT_ERROR_INVALID_ARGUMENT),
// a sequence length outside [1, max] (MBERT_ERROR_INVALID_SEQUENCE_LENGTH),
// NULL buffers (MBERT_ERROR_NULL_BUFFER), a workspace not aligned as the code
// assumes (MBERT_ERROR_WORKSPACE_MISALIGNED) and inputs outside the values
// AnnotateIndexInputs recorded (MBERT_ERROR_INPUT_OUT_OF_RANGE): a token id
// outside its table must be reported, not turned into an out-of-bounds read.
//
// Buffers whose extent is the run-time length are passed as bare pointers
// like every other (typed for the largest length); the function views each
// as its dense shape for the length it was given.
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/EntryPoint.h"
#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <functional>

#include "mbert_runtime.h"

namespace mbert {
#define GEN_PASS_DEF_FINALIZEENTRYPOINTPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

/// Emits a loop over every element of the integer buffer `input` and returns
/// an i1 that is true when some element lies outside [begin, end). Elements
/// are compared as i64, so that an interval wider than a narrow input type
/// needs no special case.
Value buildOutOfRangeCheck(OpBuilder &builder, Location loc, Value input,
                           mbert::ValueInterval allowed) {
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
  Type elementType = type.getElementType();
  Type i64 = builder.getI64Type();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value end = memref::DimOp::create(builder, loc, flat, 0);
  Value lowest = arith::ConstantIntOp::create(builder, loc, i64, allowed.begin);
  Value limit = arith::ConstantIntOp::create(builder, loc, i64, allowed.end);
  Value clean = arith::ConstantIntOp::create(builder, loc, builder.getI1Type(), 0);
  auto loop = scf::ForOp::create(
      builder, loc, zero, end, one, ValueRange{clean},
      [&](OpBuilder &b, Location l, Value index, ValueRange carried) {
        Value element = memref::LoadOp::create(b, l, flat, ValueRange{index});
        if (elementType != i64)
          element = arith::ExtSIOp::create(b, l, i64, element);
        Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, element, lowest);
        Value tooLarge = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, element, limit);
        Value bad = arith::OrIOp::create(b, l, negative, tooLarge);
        scf::YieldOp::create(b, l, ValueRange{arith::OrIOp::create(b, l, carried[0], bad)});
      });
  return loop.getResult(0);
}

/// The address of `buffer`'s data as an index.
Value getAddress(OpBuilder &builder, Location loc, Value buffer) {
  return memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
}

/// Makes `argument`, a dense buffer whose dynamic extents are the run-time
/// `length`, a static one of the largest length `maxLength` (a bare pointer
/// at the ABI), and gives its uses a view of it with the dynamic shape.
void passAsLargest(OpBuilder &builder, func::FuncOp entry, BlockArgument argument, Value length,
                   int64_t maxLength) {
  auto type = cast<MemRefType>(argument.getType());
  Location loc = argument.getLoc();
  SmallVector<int64_t> largest(type.getShape());
  SmallVector<OpFoldResult> sizes;
  for (int64_t &extent : largest) {
    sizes.push_back(ShapedType::isDynamic(extent) ? OpFoldResult(length)
                                                  : OpFoldResult(builder.getIndexAttr(extent)));
    if (ShapedType::isDynamic(extent))
      extent = maxLength;
  }
  // Row-major strides of the actual shape, innermost first; static until a
  // dynamic extent is inside them, as the type's own layout expects.
  SmallVector<OpFoldResult> strides(sizes.size());
  OpFoldResult stride = builder.getIndexAttr(1);
  for (int64_t dim = static_cast<int64_t>(sizes.size()) - 1; dim >= 0; --dim) {
    strides[dim] = stride;
    if (dim == 0)
      break;
    std::optional<int64_t> staticStride = getConstantIntValue(stride);
    std::optional<int64_t> staticExtent = getConstantIntValue(sizes[dim]);
    if (staticStride && staticExtent)
      stride = builder.getIndexAttr(*staticStride * *staticExtent);
    else if (staticStride == 1)
      stride = sizes[dim];
    else
      stride = arith::MulIOp::create(builder, loc,
                                     getValueOrCreateConstantIndexOp(builder, loc, stride),
                                     getValueOrCreateConstantIndexOp(builder, loc, sizes[dim]))
                   .getResult();
  }
  argument.setType(MemRefType::get(largest, type.getElementType()));
  auto view = memref::ReinterpretCastOp::create(builder, loc, type, argument,
                                                builder.getIndexAttr(0), sizes, strides);
  argument.replaceAllUsesExcept(view, view);
  entry.setType(builder.getFunctionType(entry.getBody().getArgumentTypes(),
                                        entry.getResultTypes()));
}

namespace model = mbert::model;

// The fields' offsets are the host's: every target triple mbert accepts is a
// 64-bit one, with the host's pointer size.
static_assert(offsetof(mbert_pool_t, threads) == sizeof(void *),
              "mbert_pool_t.threads follows the parallel_for pointer");
static_assert(offsetof(mbert_pool_t, block_starts) == 2 * sizeof(void *),
              "mbert_pool_t.block_starts follows threads, at the next pointer's alignment");
static_assert(model::kMaxPoolThreads == MBERT_POOL_MAX_THREADS,
              "mbert.pool_block_starts has room for the runtime's most threads");

/// The entry point's `pool` argument (docs/ABI.md) and whether it is NULL,
/// built once at the builder's insertion point for every field read from it.
struct PoolArgument {
  PoolArgument(OpBuilder &builder, Location loc, Value pointer)
      : pointer(pointer), pointerType(LLVM::LLVMPointerType::get(builder.getContext())) {
    null = LLVM::ZeroOp::create(builder, loc, pointerType);
    isNull = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::eq, pointer, null);
  }

  Value pointer;
  LLVM::LLVMPointerType pointerType;
  Value null, isNull;
};

/// Replaces the `uses` (mbert.pool_threads, at least one) by the `threads`
/// of the pool, read once and clamped to [1, MBERT_POOL_MAX_THREADS], or 1
/// when the pool is NULL, at the builder's insertion point; returns that
/// value.
Value replacePoolThreads(OpBuilder &builder, MutableArrayRef<model::PoolThreadsOp> uses,
                         const PoolArgument &pool) {
  Location loc = uses.front().getLoc();
  auto pointerType = pool.pointerType;
  auto one = [&](OpBuilder &b) { return arith::ConstantIndexOp::create(b, loc, 1); };
  auto threads = scf::IfOp::create(
      builder, loc, pool.isNull,
      [&](OpBuilder &b, Location) { scf::YieldOp::create(b, loc, ValueRange{one(b)}); },
      [&](OpBuilder &b, Location) {
        Value field = LLVM::GEPOp::create(
            b, loc, pointerType, b.getI8Type(), pool.pointer,
            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(offsetof(mbert_pool_t, threads))});
        Value count = arith::IndexCastOp::create(
            b, loc, b.getIndexType(), LLVM::LoadOp::create(b, loc, b.getI32Type(), field));
        Value most = arith::ConstantIndexOp::create(b, loc, MBERT_POOL_MAX_THREADS);
        Value clamped =
            arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, count, one(b)), most);
        scf::YieldOp::create(b, loc, ValueRange{clamped});
      });
  for (model::PoolThreadsOp op : uses) {
    op.replaceAllUsesWith(threads.getResult(0));
    op.erase();
  }
  return threads.getResult(0);
}

/// Replaces the `uses` (mbert.pool_block_starts) by a buffer on the stack
/// into which it copies, at the builder's insertion point, entries 0 to T
/// (`threads`, the clamped T) of the `block_starts` table of `pool`, or 0,
/// 1, ..., T when the pool or its table is NULL (docs/ABI.md). Returns an i1
/// that is true when the pool's table is not one: entry 0 not 0, an entry
/// below the one before it, or entry T equal to 0.
Value replacePoolBlockStarts(OpBuilder &builder, MutableArrayRef<model::PoolBlockStartsOp> uses,
                             const PoolArgument &pool, Value threads) {
  Location loc = uses.front().getLoc();
  Value copy =
      memref::AllocaOp::create(builder, loc, model::getPoolBlockStartsType(builder.getContext()));
  Type i32 = builder.getI32Type(), i1 = builder.getI1Type();
  auto pointerType = pool.pointerType;
  Value null = pool.null;
  Value table =
      scf::IfOp::create(
          builder, loc, pool.isNull,
          [&](OpBuilder &b, Location) { scf::YieldOp::create(b, loc, ValueRange{null}); },
          [&](OpBuilder &b, Location) {
            Value field = LLVM::GEPOp::create(
                b, loc, pointerType, b.getI8Type(), pool.pointer,
                ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(offsetof(mbert_pool_t, block_starts))});
            scf::YieldOp::create(b, loc,
                                 ValueRange{LLVM::LoadOp::create(b, loc, pointerType, field)});
          })
          .getResult(0);
  Value noTable = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::eq, table, null);
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value entries = arith::AddIOp::create(builder, loc, threads, one);
  Value falseValue = arith::ConstantIntOp::create(builder, loc, i1, 0);
  Value zeroEntry = arith::ConstantIntOp::create(builder, loc, i32, 0);
  // Carries the entry before and whether the table is bad so far.
  auto loop = scf::ForOp::create(
      builder, loc, zero, entries, one, ValueRange{zeroEntry, falseValue},
      [&](OpBuilder &b, Location, Value position, ValueRange carried) {
        Value start =
            scf::IfOp::create(
                b, loc, noTable,
                [&](OpBuilder &nested, Location) {
                  scf::YieldOp::create(
                      nested, loc,
                      ValueRange{arith::IndexCastUIOp::create(nested, loc, i32, position)});
                },
                [&](OpBuilder &nested, Location) {
                  Value offset =
                      arith::IndexCastUIOp::create(nested, loc, nested.getI64Type(), position);
                  Value address = LLVM::GEPOp::create(nested, loc, pointerType, i32, table,
                                                      ArrayRef<LLVM::GEPArg>{offset});
                  scf::YieldOp::create(nested, loc,
                                       ValueRange{LLVM::LoadOp::create(nested, loc, i32, address)});
                })
                .getResult(0);
        memref::StoreOp::create(b, loc, start, copy, ValueRange{position});
        // Entry 0 must be 0 (it is not below the carried 0) and no entry may
        // be below the one before it.
        Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, position, zero);
        Value nonzero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, start, zeroEntry);
        Value decreases =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, start, carried[0]);
        Value bad =
            arith::OrIOp::create(b, loc, arith::AndIOp::create(b, loc, first, nonzero), decreases);
        scf::YieldOp::create(b, loc,
                             ValueRange{start, arith::OrIOp::create(b, loc, carried[1], bad)});
      });
  Value lastIsZero =
      arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, loop.getResult(0), zeroEntry);
  for (model::PoolBlockStartsOp op : uses) {
    op.replaceAllUsesWith(copy);
    op.erase();
  }
  return arith::OrIOp::create(builder, loc, loop.getResult(1), lastIsZero);
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

    unsigned poolIndex = entry.getNumArguments();
    if (failed(entry.insertArgument(poolIndex, LLVM::LLVMPointerType::get(context), {}, loc)))
      return signalPassFailure();
    model::setEntryArgumentKind(entry, poolIndex, model::EntryArgumentKind::Pool);
    // The pool's fields are read once, at the start. When rows are divided
    // by the pool's table, that is in the first check (below), so that the
    // table is known good before anything runs.
    Value pool = entry.getArgument(poolIndex);
    SmallVector<model::PoolThreadsOp> threadUses;
    entry.walk([&](model::PoolThreadsOp op) { threadUses.push_back(op); });
    SmallVector<model::PoolBlockStartsOp> blockStartUses;
    entry.walk([&](model::PoolBlockStartsOp op) { blockStartUses.push_back(op); });
    if (!threadUses.empty() && blockStartUses.empty()) {
      builder.setInsertionPointToStart(&entry.getBody().front());
      replacePoolThreads(builder, threadUses, PoolArgument(builder, loc, pool));
    }
    entry.setType(builder.getFunctionType(entry.getArgumentTypes(), {status}));
    bool runTimeLength = signature->maxSequenceLength > 0;
    if (failed(model::verifyEntryPointLayout(
            entry, model::getEntryPointLayout(signature->inputs.size(),
                                              signature->outputs.size(), runTimeLength))))
      return signalPassFailure();

    Block &entryBlock = entry.getBody().front();
    entry.walk([&](func::ReturnOp ret) {
      builder.setInsertionPoint(ret);
      Value ok = arith::ConstantIntOp::create(builder, ret.getLoc(), status, MBERT_OK);
      func::ReturnOp::create(builder, ret.getLoc(), ValueRange{ok});
      ret.erase();
    });
    // Views of the length-shaped buffers first: the checks read them.
    builder.setInsertionPointToStart(&entryBlock);
    Value length;
    if (runTimeLength) {
      length = model::getEntryArguments(entry, model::EntryArgumentKind::SequenceLength).front();
      for (BlockArgument argument : entry.getArguments())
        if (auto type = dyn_cast<MemRefType>(argument.getType()); type && !type.hasStaticShape())
          passAsLargest(builder, entry, argument, length, signature->maxSequenceLength);
    }
    Block::iterator bodyStart = builder.getInsertionPoint();

    // Each check: a condition computed at the end of the current block and
    // the status returned when it holds. They run in order, so a NULL buffer
    // is reported before its contents would be read.
    SmallVector<std::pair<std::function<Value()>, int32_t>> checks;
    if (!blockStartUses.empty())
      checks.push_back(
          {[&]() -> Value {
             assert(!threadUses.empty() && "the pool's blocks are counted in its threads");
             PoolArgument poolArgument(builder, loc, pool);
             Value threads = replacePoolThreads(builder, threadUses, poolArgument);
             return replacePoolBlockStarts(builder, blockStartUses, poolArgument, threads);
           },
           MBERT_ERROR_INVALID_ARGUMENT});
    // 1 <= length <= max, as one unsigned comparison of length - 1.
    if (runTimeLength)
      checks.push_back({[&]() -> Value {
                          Value one = arith::ConstantIndexOp::create(builder, loc, 1);
                          Value max = arith::ConstantIndexOp::create(
                              builder, loc, signature->maxSequenceLength);
                          Value below = arith::SubIOp::create(builder, loc, length, one);
                          return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::uge,
                                                       below, max);
                        },
                        MBERT_ERROR_INVALID_SEQUENCE_LENGTH});
    Value zeroAddress;
    auto isNull = [&](Value buffer) {
      return [&, buffer]() -> Value {
        Value address = getAddress(builder, loc, buffer);
        if (!zeroAddress)
          zeroAddress = arith::ConstantIndexOp::create(builder, loc, 0);
        return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, address, zeroAddress);
      };
    };
    SmallVector<BlockArgument> inputs =
        model::getEntryArguments(entry, model::EntryArgumentKind::Input);
    SmallVector<BlockArgument> buffers(inputs);
    llvm::append_range(buffers, model::getEntryArguments(entry, model::EntryArgumentKind::Output));
    for (BlockArgument argument : buffers) {
      auto type = dyn_cast<MemRefType>(argument.getType());
      // An empty tensor's buffer is never read: NULL is fine for it.
      if (type && type.hasStaticShape() && type.getNumElements() > 0)
        checks.push_back({isNull(argument), MBERT_ERROR_NULL_BUFFER});
    }
    // An empty workspace may be NULL (docs/ABI.md), and is never read.
    for (BlockArgument argument :
         model::getEntryArguments(entry, model::EntryArgumentKind::Workspace))
      if (signature->workspaceSize > 0) {
        checks.push_back({isNull(argument), MBERT_ERROR_NULL_BUFFER});
        checks.push_back({[&, argument]() -> Value {
                            Value address = getAddress(builder, loc, argument);
                            Value mask = arith::ConstantIndexOp::create(
                                builder, loc, mbert::kWorkspaceAlignment - 1);
                            Value offset = arith::AndIOp::create(builder, loc, address, mask);
                            Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
                            return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne,
                                                         offset, zero);
                          },
                          MBERT_ERROR_WORKSPACE_MISALIGNED});
      }
    // The inputs' values, seen through their views when the length shapes them.
    SmallVector<std::pair<Value, mbert::ValueInterval>> checkedInputs;
    for (auto [argument, input] : llvm::zip(inputs, signature->inputs)) {
      if (!input.allowedValues)
        continue;
      Value values = argument;
      for (Operation *user : argument.getUsers())
        if (auto view = dyn_cast<memref::ReinterpretCastOp>(user))
          values = view;
      checkedInputs.push_back({values, *input.allowedValues});
    }
    if (!checkedInputs.empty())
      checks.push_back({[&]() -> Value {
                          Value anyBad;
                          for (auto [input, allowed] : checkedInputs) {
                            Value bad = buildOutOfRangeCheck(builder, loc, input, allowed);
                            anyBad = anyBad ? arith::OrIOp::create(builder, loc, anyBad, bad)
                                                  .getResult()
                                            : bad;
                          }
                          return anyBad;
                        },
                        MBERT_ERROR_INPUT_OUT_OF_RANGE});
    if (checks.empty())
      return;

    // Split the entry block so the checks run first; each branches either to
    // an early error return or to the next check, the last to the body.
    Block *body = entryBlock.splitBlock(bodyStart);
    Block *current = &entryBlock;
    for (auto [index, check] : llvm::enumerate(checks)) {
      builder.setInsertionPointToEnd(current);
      Value failed = check.first();
      Block *errorBlock = builder.createBlock(body);
      Value code = arith::ConstantIntOp::create(builder, loc, status, check.second);
      func::ReturnOp::create(builder, loc, ValueRange{code});
      Block *next = index + 1 == checks.size() ? body : builder.createBlock(body);
      builder.setInsertionPointToEnd(current);
      cf::CondBranchOp::create(builder, loc, failed, errorBlock, ValueRange(), next, ValueRange());
      current = next;
    }
  }
};

} // namespace
