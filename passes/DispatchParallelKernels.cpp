//===- DispatchParallelKernels.cpp - parallel kernels on the thread pool ---===//
//
// Runs on the LLVM dialect, once the entry point has its ABI. A kernel
// outlined from a parallel loop nest has two arguments tagged as its
// iteration range (#mbert.kernel_argument<iteration_begin|iteration_end>);
// every call of it over [first, last),
//
//   llvm.call @K(%capture0, ..., %first, %last, ..., %captureN)
//
// where each other argument is a buffer or an index (such as the sequence
// length), becomes a call through the pool the caller passed (docs/ABI.md):
//
//   context = [capture0, ..., captureN, first]     (an array of pointer-sized
//                                                   slots on the stack)
//   NAME_parallel_for(pool, @K_task, context, last - first)
//
// where @K_task(context, begin, end) loads the captures back and calls @K on
// [first + begin, first + end), and NAME_parallel_for calls pool->parallel_for, or the task
// on the whole range itself when pool is NULL. A pool may fail to run a loop:
// parallel_for then returns a status other than MBERT_OK, and the entry point
// returns MBERT_ERROR_POOL_FAILED at once instead of computing on with
// buffers that were never written.
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/EntryPoint.h"
#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mbert_runtime.h"

namespace mbert {
#define GEN_PASS_DEF_DISPATCHPARALLELKERNELSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

class Dispatcher {
public:
  explicit Dispatcher(LLVM::LLVMFuncOp entry)
      : entry(entry), builder(entry.getContext()),
        pointerType(LLVM::LLVMPointerType::get(entry.getContext())),
        indexType(IntegerType::get(entry.getContext(), 64)),
        statusType(IntegerType::get(entry.getContext(), 32)) {}

  /// The arguments of a call of a parallel kernel other than its iteration
  /// range, when each fits a pointer-sized slot.
  std::optional<SmallVector<Value>> getCaptures(LLVM::CallOp call,
                                                mbert::model::IterationRange range) {
    SmallVector<Value> captures;
    for (auto [index, operand] : llvm::enumerate(call.getArgOperands())) {
      if (index == range.begin || index == range.end)
        continue;
      if (operand.getType() != pointerType && operand.getType() != indexType)
        return std::nullopt;
      captures.push_back(operand);
    }
    return captures;
  }

  /// One array of buffer pointers at the start of the entry point, with
  /// `slots` entries: enough for every dispatch, which run one after another.
  void createContextArray(size_t slots) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&entry.getBody().front());
    Location loc = entry.getLoc();
    Value count = LLVM::ConstantOp::create(builder, loc, indexType, builder.getI64IntegerAttr(slots));
    contextArray = LLVM::AllocaOp::create(builder, loc, pointerType, pointerType, count);
  }

  /// Replaces `call` of the parallel kernel `kernel`, whose iteration range
  /// is `range` and other arguments `captures`, by a dispatch.
  void dispatch(LLVM::CallOp call, LLVM::LLVMFuncOp kernel, mbert::model::IterationRange range,
                ValueRange captures) {
    Location loc = call.getLoc();
    builder.setInsertionPoint(call);
    Value first = call.getArgOperands()[range.begin];
    SmallVector<Value> slots(captures);
    slots.push_back(first);
    for (auto [index, capture] : llvm::enumerate(slots)) {
      Value slotValue =
          capture.getType() == pointerType
              ? capture
              : LLVM::IntToPtrOp::create(builder, loc, pointerType, capture).getResult();
      LLVM::StoreOp::create(builder, loc, slotValue, getSlot(loc, contextArray, index));
    }
    Value task = LLVM::AddressOfOp::create(builder, loc, getTask(kernel, range));
    Value count = LLVM::SubOp::create(builder, loc, call.getArgOperands()[range.end], first);
    Value status = LLVM::CallOp::create(builder, loc, getParallelFor(),
                                        ValueRange{getPool(), task, contextArray, count})
                       .getResult();
    Block *before = call->getBlock();
    Block *after = before->splitBlock(std::next(call->getIterator()));
    call.erase();
    builder.setInsertionPointToEnd(before);
    Value ok = LLVM::ConstantOp::create(builder, loc, statusType,
                                        builder.getI32IntegerAttr(MBERT_OK));
    Value failed = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::ne, status, ok);
    LLVM::CondBrOp::create(builder, loc, failed, getPoolFailedBlock(), after);
  }

private:
  /// One block of the entry point that returns MBERT_ERROR_POOL_FAILED.
  Block *getPoolFailedBlock() {
    if (poolFailed)
      return poolFailed;
    OpBuilder::InsertionGuard guard(builder);
    poolFailed = builder.createBlock(&entry.getBody(), entry.getBody().end());
    Location loc = entry.getLoc();
    Value status = LLVM::ConstantOp::create(builder, loc, statusType,
                                            builder.getI32IntegerAttr(MBERT_ERROR_POOL_FAILED));
    LLVM::ReturnOp::create(builder, loc, ValueRange{status});
    return poolFailed;
  }

  Value getPool() {
    return mbert::model::getEntryArguments(entry, mbert::model::EntryArgumentKind::Pool).front();
  }

  Value getSlot(Location loc, Value context, int64_t index) {
    return LLVM::GEPOp::create(builder, loc, pointerType, pointerType, context,
                               ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
  }

  /// @K_task(context, begin, end): @K with its captures read back from the
  /// context's slots (as their types) and the iteration range
  /// [first + begin, first + end), first being the context's last slot.
  LLVM::LLVMFuncOp getTask(LLVM::LLVMFuncOp kernel, mbert::model::IterationRange range) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(entry);
    Location loc = kernel.getLoc();
    auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(builder.getContext()),
                                            {pointerType, indexType, indexType});
    auto task = LLVM::LLVMFuncOp::create(builder, loc, (kernel.getName() + "_task").str(), type,
                                         LLVM::Linkage::Internal);
    Block *body = task.addEntryBlock(builder);
    builder.setInsertionPointToStart(body);
    Value context = body->getArgument(0);
    auto readSlot = [&](int64_t index, Type type) -> Value {
      Value slot = LLVM::LoadOp::create(builder, loc, pointerType, getSlot(loc, context, index));
      return type == pointerType ? slot
                                 : LLVM::PtrToIntOp::create(builder, loc, type, slot).getResult();
    };
    ArrayRef<Type> parameterTypes = kernel.getFunctionType().getParams();
    Value first = readSlot(parameterTypes.size() - 2, indexType);
    SmallVector<Value> arguments;
    int64_t slot = 0;
    for (auto [index, type] : llvm::enumerate(parameterTypes)) {
      if (index == range.begin || index == range.end) {
        Value offset = body->getArgument(index == range.begin ? 1 : 2);
        arguments.push_back(LLVM::AddOp::create(builder, loc, first, offset));
        continue;
      }
      arguments.push_back(readSlot(slot++, type));
    }
    LLVM::CallOp::create(builder, loc, kernel, arguments);
    LLVM::ReturnOp::create(builder, loc, ValueRange());
    return task;
  }

  /// NAME_parallel_for(pool, task, context, count), emitted once.
  LLVM::LLVMFuncOp getParallelFor() {
    if (parallelFor)
      return parallelFor;
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(entry);
    Location loc = entry.getLoc();
    auto voidType = LLVM::LLVMVoidType::get(builder.getContext());
    auto type = LLVM::LLVMFunctionType::get(statusType,
                                            {pointerType, pointerType, pointerType, indexType});
    parallelFor = LLVM::LLVMFuncOp::create(builder, loc, (entry.getName() + "_parallel_for").str(),
                                           type, LLVM::Linkage::Internal);
    Block *body = parallelFor.addEntryBlock(builder);
    Value pool = body->getArgument(0), task = body->getArgument(1);
    Value context = body->getArgument(2), count = body->getArgument(3);
    Block *inline_ = parallelFor.addBlock(), *pooled = parallelFor.addBlock();

    builder.setInsertionPointToStart(body);
    Value null = LLVM::ZeroOp::create(builder, loc, pointerType);
    Value noPool = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::eq, pool, null);
    LLVM::CondBrOp::create(builder, loc, noPool, inline_, pooled);

    // No pool: the whole range on this thread.
    builder.setInsertionPointToStart(inline_);
    Value zero = LLVM::ConstantOp::create(builder, loc, indexType, builder.getI64IntegerAttr(0));
    auto taskType = LLVM::LLVMFunctionType::get(voidType, {pointerType, indexType, indexType});
    LLVM::CallOp::create(builder, loc, taskType, ValueRange{task, context, zero, count});
    Value ok = LLVM::ConstantOp::create(builder, loc, statusType,
                                        builder.getI32IntegerAttr(MBERT_OK));
    LLVM::ReturnOp::create(builder, loc, ValueRange{ok});

    // pool->parallel_for is the first field of struct mbert_pool.
    builder.setInsertionPointToStart(pooled);
    Value function = LLVM::LoadOp::create(builder, loc, pointerType, pool);
    Value status =
        LLVM::CallOp::create(builder, loc, type, ValueRange{function, pool, task, context, count})
            .getResult();
    LLVM::ReturnOp::create(builder, loc, ValueRange{status});
    return parallelFor;
  }

  LLVM::LLVMFuncOp entry;
  OpBuilder builder;
  Type pointerType, indexType, statusType;
  Value contextArray;
  LLVM::LLVMFuncOp parallelFor;
  Block *poolFailed = nullptr;
};

struct DispatchParallelKernelsPass
    : mbert::impl::DispatchParallelKernelsPassBase<DispatchParallelKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Whether the entry point exists and is well formed is the descriptor
    // pass's to report; only a pool argument that dispatches need is checked.
    auto entry = dyn_cast_or_null<LLVM::LLVMFuncOp>(mbert::lookupEntryFunction(module));
    if (!entry || entry.isExternal())
      return;
    Dispatcher dispatcher(entry);
    struct Dispatch {
      LLVM::CallOp call;
      LLVM::LLVMFuncOp kernel;
      mbert::model::IterationRange range;
      SmallVector<Value> captures;
    };
    SmallVector<Dispatch> dispatches;
    size_t slots = 0;
    entry.walk([&](LLVM::CallOp call) {
      auto kernel = dyn_cast_or_null<LLVM::LLVMFuncOp>(
          call.getCallee() ? module.lookupSymbol(*call.getCallee()) : nullptr);
      std::optional<mbert::model::IterationRange> range =
          kernel ? mbert::model::getIterationRange(kernel) : std::nullopt;
      if (!range)
        return;
      if (std::optional<SmallVector<Value>> captures = dispatcher.getCaptures(call, *range)) {
        // One slot more: the first iteration.
        slots = std::max(slots, captures->size() + 1);
        dispatches.push_back({call, kernel, *range, std::move(*captures)});
      }
    });
    if (dispatches.empty())
      return;
    SmallVector<BlockArgument> pools =
        mbert::model::getEntryArguments(entry, mbert::model::EntryArgumentKind::Pool);
    if (pools.size() != 1 || !isa<LLVM::LLVMPointerType>(pools.front().getType()) ||
        entry.getFunctionType().getReturnType() != IntegerType::get(&getContext(), 32)) {
      entry.emitError("dispatch-parallel-kernels needs the entry point's pool argument "
                      "and i32 status result");
      return signalPassFailure();
    }
    dispatcher.createContextArray(slots);
    for (Dispatch &dispatch : dispatches)
      dispatcher.dispatch(dispatch.call, dispatch.kernel, dispatch.range, dispatch.captures);
    dispatchedCalls += dispatches.size();
  }
};

} // namespace
