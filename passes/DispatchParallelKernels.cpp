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
// on the whole range itself when pool is NULL.
//
// An mbert.parallel_region of T threads, whose body calls parallel kernels
// K1 ... Kn, becomes one dispatch of T slots,
//
//   context = [T, count1, first1, captures1..., ..., countn, firstn, capturesn...]
//   NAME_parallel_for(pool, @NAME_regionR_task, context, T)
//
// where @NAME_regionR_task(context, begin, end) runs, for each slot b in
// [begin, end), K1 ... Kn in turn, each on [first + count * b / T, first +
// count * (b + 1) / T): for the kernels of GEMMs split into T blocks of
// rows, block-major, exactly block b (mbert-form-parallel-regions).
//
// A pool may fail to run a loop:
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

/// A call of a kernel outlined from a parallel loop: its iteration range
/// and its other arguments, which the pool's task reads back from the
/// context array.
struct ParallelCall {
  LLVM::CallOp call;
  LLVM::LLVMFuncOp kernel;
  mbert::model::IterationRange range;
  SmallVector<Value> captures;
};

class Dispatcher {
public:
  explicit Dispatcher(LLVM::LLVMFuncOp entry)
      : entry(entry), builder(entry.getContext()),
        pointerType(LLVM::LLVMPointerType::get(entry.getContext())),
        indexType(IntegerType::get(entry.getContext(), 64)),
        statusType(IntegerType::get(entry.getContext(), 32)) {}

  /// The call as a ParallelCall when it calls a kernel with an iteration
  /// range whose other arguments each fit a pointer-sized slot.
  std::optional<ParallelCall> getParallelCall(ModuleOp module, LLVM::CallOp call) {
    auto kernel = dyn_cast_or_null<LLVM::LLVMFuncOp>(
        call.getCallee() ? module.lookupSymbol(*call.getCallee()) : nullptr);
    std::optional<mbert::model::IterationRange> range =
        kernel ? mbert::model::getIterationRange(kernel) : std::nullopt;
    if (!range)
      return std::nullopt;
    std::optional<SmallVector<Value>> captures = getCaptures(call, *range);
    if (!captures)
      return std::nullopt;
    return ParallelCall{call, kernel, *range, std::move(*captures)};
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

  /// Replaces a call of a parallel kernel by a dispatch of its range.
  void dispatch(ParallelCall parallelCall) {
    LLVM::CallOp call = parallelCall.call;
    Location loc = call.getLoc();
    builder.setInsertionPoint(call);
    Value first = call.getArgOperands()[parallelCall.range.begin];
    SmallVector<Value> slots(parallelCall.captures);
    slots.push_back(first);
    storeSlots(loc, slots);
    Value task =
        LLVM::AddressOfOp::create(builder, loc, getTask(parallelCall.kernel, parallelCall.range));
    Value count =
        LLVM::SubOp::create(builder, loc, call.getArgOperands()[parallelCall.range.end], first);
    callParallelFor(call, task, count);
  }

  /// Replaces `region`, whose calls are `members`, by one dispatch of its
  /// `threads` slots. The context holds the thread count, then for each
  /// member its iteration count, its first iteration and its captures.
  void dispatchRegion(mbert::model::ParallelRegionOp region, ArrayRef<ParallelCall> members) {
    Location loc = region.getLoc();
    // What the calls' ranges are computed from goes first.
    Block &body = region.getBody().front();
    for (Operation &op : llvm::make_early_inc_range(body))
      if (!isa<LLVM::CallOp>(op))
        op.moveBefore(region);
    builder.setInsertionPoint(region);
    SmallVector<Value> slots = {region.getThreads()};
    for (ParallelCall member : members) {
      ValueRange operands = member.call.getArgOperands();
      Value first = operands[member.range.begin];
      slots.push_back(LLVM::SubOp::create(builder, loc, operands[member.range.end], first));
      slots.push_back(first);
      llvm::append_range(slots, member.captures);
    }
    storeSlots(loc, slots);
    Value task = LLVM::AddressOfOp::create(builder, loc, getRegionTask(loc, members));
    callParallelFor(region, task, region.getThreads());
  }

  /// Context slots a region's dispatch needs.
  static size_t getRegionSlots(ArrayRef<ParallelCall> members) {
    size_t slots = 1;
    for (ParallelCall member : members)
      slots += 2 + member.captures.size();
    return slots;
  }

private:
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

  /// Stores `values` into the context array's first slots, as pointers.
  void storeSlots(Location loc, ValueRange values) {
    for (auto [index, value] : llvm::enumerate(values)) {
      Value slotValue =
          value.getType() == pointerType
              ? value
              : LLVM::IntToPtrOp::create(builder, loc, pointerType, value).getResult();
      LLVM::StoreOp::create(builder, loc, slotValue, getSlot(loc, contextArray, index));
    }
  }

  /// Replaces `op` by NAME_parallel_for(pool, task, context, count), which
  /// returns MBERT_ERROR_POOL_FAILED from the entry point when the pool
  /// fails.
  void callParallelFor(Operation *op, Value task, Value count) {
    Location loc = op->getLoc();
    builder.setInsertionPoint(op);
    Value status = LLVM::CallOp::create(builder, loc, getParallelFor(),
                                        ValueRange{getPool(), task, contextArray, count})
                       .getResult();
    Block *before = op->getBlock();
    Block *after = before->splitBlock(std::next(op->getIterator()));
    op->erase();
    builder.setInsertionPointToEnd(before);
    Value ok = LLVM::ConstantOp::create(builder, loc, statusType,
                                        builder.getI32IntegerAttr(MBERT_OK));
    Value failed = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::ne, status, ok);
    LLVM::CondBrOp::create(builder, loc, failed, getPoolFailedBlock(), after);
  }

  /// Reads slot `index` of `context` back as a value of `type`.
  Value readSlot(Location loc, Value context, int64_t index, Type type) {
    Value slot = LLVM::LoadOp::create(builder, loc, pointerType, getSlot(loc, context, index));
    return type == pointerType ? slot
                               : LLVM::PtrToIntOp::create(builder, loc, type, slot).getResult();
  }

  /// @NAME_regionN_task(context, begin, end): for each slot b in [begin,
  /// end), each member's kernel on iterations [first + n * b / T, first + n
  /// * (b + 1) / T) of its n, in the members' order.
  LLVM::LLVMFuncOp getRegionTask(Location loc, ArrayRef<ParallelCall> members) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(entry);
    auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(builder.getContext()),
                                            {pointerType, indexType, indexType});
    auto task = LLVM::LLVMFuncOp::create(
        builder, loc, (entry.getName() + "_region" + Twine(regionTasks++) + "_task").str(), type,
        LLVM::Linkage::Internal);
    Block *body = task.addEntryBlock(builder);
    Block *header = task.addBlock(), *slotBody = task.addBlock(), *exit = task.addBlock();
    Value slot = header->addArgument(indexType, loc);
    Value context = body->getArgument(0), end = body->getArgument(2);

    builder.setInsertionPointToStart(body);
    Value threads = readSlot(loc, context, 0, indexType);
    LLVM::BrOp::create(builder, loc, ValueRange{body->getArgument(1)}, header);

    builder.setInsertionPointToStart(header);
    Value more = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::slt, slot, end);
    LLVM::CondBrOp::create(builder, loc, more, slotBody, exit);

    builder.setInsertionPointToStart(slotBody);
    Value one = LLVM::ConstantOp::create(builder, loc, indexType, builder.getI64IntegerAttr(1));
    Value nextSlot = LLVM::AddOp::create(builder, loc, slot, one);
    int64_t next = 1;
    for (ParallelCall member : members) {
      Value count = readSlot(loc, context, next++, indexType);
      Value first = readSlot(loc, context, next++, indexType);
      auto boundary = [&](Value at) -> Value {
        Value share = LLVM::UDivOp::create(builder, loc,
                                           LLVM::MulOp::create(builder, loc, count, at), threads);
        return LLVM::AddOp::create(builder, loc, first, share);
      };
      Value begin = boundary(slot), stop = boundary(nextSlot);
      SmallVector<Value> arguments;
      for (auto [index, parameterType] :
           llvm::enumerate(member.kernel.getFunctionType().getParams())) {
        if (index == member.range.begin || index == member.range.end) {
          arguments.push_back(index == member.range.begin ? begin : stop);
          continue;
        }
        arguments.push_back(readSlot(loc, context, next++, parameterType));
      }
      LLVM::CallOp::create(builder, loc, member.kernel, arguments);
    }
    LLVM::BrOp::create(builder, loc, ValueRange{nextSlot}, header);

    builder.setInsertionPointToStart(exit);
    LLVM::ReturnOp::create(builder, loc, ValueRange());
    return task;
  }

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
    ArrayRef<Type> parameterTypes = kernel.getFunctionType().getParams();
    Value first = readSlot(loc, context, parameterTypes.size() - 2, indexType);
    SmallVector<Value> arguments;
    int64_t slot = 0;
    for (auto [index, type] : llvm::enumerate(parameterTypes)) {
      if (index == range.begin || index == range.end) {
        Value offset = body->getArgument(index == range.begin ? 1 : 2);
        arguments.push_back(LLVM::AddOp::create(builder, loc, first, offset));
        continue;
      }
      arguments.push_back(readSlot(loc, context, slot++, type));
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
  unsigned regionTasks = 0;
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
    SmallVector<ParallelCall> dispatches;
    SmallVector<std::pair<mbert::model::ParallelRegionOp, SmallVector<ParallelCall>>> regions;
    size_t slots = 0;
    WalkResult walk = entry.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto region = dyn_cast<mbert::model::ParallelRegionOp>(op)) {
        SmallVector<ParallelCall> members;
        for (Operation &nested : region.getBody().front()) {
          auto call = dyn_cast<LLVM::CallOp>(nested);
          if (!call) {
            // The arithmetic of the calls' ranges, which moves before the
            // dispatch.
            if (isMemoryEffectFree(&nested) && nested.getNumRegions() == 0)
              continue;
            nested.emitError("a parallel region may hold only kernel calls and the arithmetic "
                             "of their ranges");
            return WalkResult::interrupt();
          }
          std::optional<ParallelCall> member = dispatcher.getParallelCall(module, call);
          if (!member) {
            call.emitError("a parallel region may call only kernels with an iteration range "
                           "whose other arguments are pointers or indices");
            return WalkResult::interrupt();
          }
          members.push_back(std::move(*member));
        }
        slots = std::max(slots, Dispatcher::getRegionSlots(members));
        regions.emplace_back(region, std::move(members));
        return WalkResult::skip();
      }
      if (auto call = dyn_cast<LLVM::CallOp>(op))
        if (std::optional<ParallelCall> parallelCall = dispatcher.getParallelCall(module, call)) {
          // One slot more: the first iteration.
          slots = std::max(slots, parallelCall->captures.size() + 1);
          dispatches.push_back(std::move(*parallelCall));
        }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (dispatches.empty() && regions.empty())
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
    for (ParallelCall &dispatch : dispatches)
      dispatcher.dispatch(dispatch);
    for (auto &[region, members] : regions)
      dispatcher.dispatchRegion(region, members);
    dispatchedRegions += regions.size();
    dispatchedCalls += dispatches.size();
  }
};

} // namespace
