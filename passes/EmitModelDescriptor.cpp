//===- EmitModelDescriptor.cpp - packed entry point and model descriptor --===//
//
// Generic callers (the runner, an app that loads several models) need the
// signature at run time and one call shape for every model. This pass emits,
// in the LLVM dialect, the structures declared in runtime/include/mbert_runtime.h:
//
//   typedef struct { const char *name; const int64_t *shape;
//                    int32_t dtype; int32_t rank;
//                    int32_t sequence_axis; } mbert_tensor_info_t;
//   typedef struct { const char *name; const mbert_tensor_info_t *inputs,
//                    *outputs; int32_t num_inputs, num_outputs;
//                    uint64_t workspace_size, workspace_alignment;
//                    mbert_entry_packed_fn run_packed;
//                    int64_t max_sequence_length; } mbert_model_t;
//
// and the packed entry
//
//   int32_t NAME_run_packed(void *const *buffers, int64_t sequence_length,
//                           void *workspace, mbert_pool_t *pool)
//
// which calls NAME_run with the arguments of model::getEntryPointLayout (the
// length only where the model takes one). Field order and types here must
// match that header.
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/EntryPoint.h"
#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mbert {
#define GEN_PASS_DEF_EMITMODELDESCRIPTORPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

namespace model = mbert::model;

class DescriptorBuilder {
public:
  DescriptorBuilder(ModuleOp module, const mbert::ModelSignature &signature)
      : module(module), signature(signature), context(module.getContext()),
        builder(module.getBodyRegion()), ptrType(LLVM::LLVMPointerType::get(context)),
        i32Type(IntegerType::get(context, 32)), i64Type(IntegerType::get(context, 64)),
        tensorInfoType(
            LLVM::LLVMStructType::getLiteral(context, {ptrType, ptrType, i32Type, i32Type, i32Type})),
        modelType(LLVM::LLVMStructType::getLiteral(
            context, {ptrType, ptrType, ptrType, i32Type, i32Type, i64Type, i64Type, ptrType, i64Type})),
        loc(module.getLoc()) {
    builder.setInsertionPointToEnd(module.getBody());
  }

  LogicalResult emit(LLVM::LLVMFuncOp entry);

private:
  std::string symbol(StringRef suffix) const { return signature.modelName + suffix.str(); }

  SmallVector<model::EntryArgumentSlot> getLayout() const {
    return model::getEntryPointLayout(signature.inputs.size(), signature.outputs.size(),
                                      signature.maxSequenceLength > 0);
  }

  /// A private constant global holding `text` NUL-terminated.
  LLVM::GlobalOp createString(StringRef name, StringRef text) {
    std::string bytes = text.str();
    bytes.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(IntegerType::get(context, 8), bytes.size());
    return LLVM::GlobalOp::create(builder, loc, type, /*isConstant=*/true, LLVM::Linkage::Private,
                                  name, builder.getStringAttr(bytes));
  }

  /// A global whose initializer region is filled by `fill`, which must end
  /// by returning the value to store.
  LLVM::GlobalOp createInitializedGlobal(Type type, StringRef name, LLVM::Linkage linkage,
                                         llvm::function_ref<Value(OpBuilder &)> fill) {
    auto global = LLVM::GlobalOp::create(builder, loc, type, /*isConstant=*/true, linkage, name,
                                         Attribute());
    OpBuilder::InsertionGuard guard(builder);
    builder.createBlock(&global.getInitializerRegion());
    LLVM::ReturnOp::create(builder, loc, fill(builder));
    return global;
  }

  Value addressOf(OpBuilder &b, LLVM::GlobalOp global) {
    return LLVM::AddressOfOp::create(b, loc, global);
  }

  Value nullPointer(OpBuilder &b) { return LLVM::ZeroOp::create(b, loc, ptrType); }

  LLVM::GlobalOp createTensorInfos(StringRef kind, ArrayRef<mbert::TensorSignature> tensors);
  LLVM::LLVMFuncOp createPackedEntry(LLVM::LLVMFuncOp entry);

  ModuleOp module;
  const mbert::ModelSignature &signature;
  MLIRContext *context;
  OpBuilder builder;
  Type ptrType, i32Type, i64Type;
  LLVM::LLVMStructType tensorInfoType, modelType;
  Location loc;
};

LLVM::GlobalOp DescriptorBuilder::createTensorInfos(StringRef kind,
                                                    ArrayRef<mbert::TensorSignature> tensors) {
  SmallVector<LLVM::GlobalOp> names, shapes;
  for (auto [index, tensor] : llvm::enumerate(tensors)) {
    std::string prefix = symbol("__" + kind.str() + std::to_string(index));
    names.push_back(createString(prefix + "_name", tensor.name));
    if (tensor.shape.empty()) {
      shapes.push_back({});
      continue;
    }
    auto shapeType = LLVM::LLVMArrayType::get(i64Type, tensor.shape.size());
    auto shapeValue = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(tensor.shape.size())}, i64Type),
        ArrayRef<int64_t>(tensor.shape));
    shapes.push_back(LLVM::GlobalOp::create(builder, loc, shapeType, /*isConstant=*/true,
                                            LLVM::Linkage::Private, prefix + "_shape", shapeValue));
  }
  auto arrayType = LLVM::LLVMArrayType::get(tensorInfoType, std::max<size_t>(tensors.size(), 1));
  return createInitializedGlobal(
      arrayType, symbol("__" + kind.str()), LLVM::Linkage::Private, [&](OpBuilder &b) {
        Value array = LLVM::UndefOp::create(b, loc, arrayType);
        for (auto [index, tensor] : llvm::enumerate(tensors)) {
          Value info = LLVM::UndefOp::create(b, loc, tensorInfoType);
          Value shape = shapes[index] ? addressOf(b, shapes[index]) : nullPointer(b);
          info = LLVM::InsertValueOp::create(b, loc, info, addressOf(b, names[index]), ArrayRef<int64_t>{static_cast<int64_t>(0)});
          info = LLVM::InsertValueOp::create(b, loc, info, shape, ArrayRef<int64_t>{static_cast<int64_t>(1)});
          info = LLVM::InsertValueOp::create(
              b, loc, info, LLVM::ConstantOp::create(b, loc, i32Type, tensor.onnxDataType), ArrayRef<int64_t>{static_cast<int64_t>(2)});
          info = LLVM::InsertValueOp::create(
              b, loc, info,
              LLVM::ConstantOp::create(b, loc, i32Type, static_cast<int32_t>(tensor.shape.size())), 3);
          info = LLVM::InsertValueOp::create(
              b, loc, info,
              LLVM::ConstantOp::create(b, loc, i32Type,
                                       static_cast<int32_t>(tensor.sequenceAxis.value_or(-1))),
              4);
          array = LLVM::InsertValueOp::create(b, loc, array, info, ArrayRef<int64_t>{static_cast<int64_t>(index)});
        }
        return array;
      });
}

LLVM::LLVMFuncOp DescriptorBuilder::createPackedEntry(LLVM::LLVMFuncOp entry) {
  auto type = LLVM::LLVMFunctionType::get(i32Type, {ptrType, i64Type, ptrType, ptrType});
  auto packed = LLVM::LLVMFuncOp::create(builder, loc, symbol("_run_packed"), type);
  OpBuilder::InsertionGuard guard(builder);
  Block *body = packed.addEntryBlock(builder);
  builder.setInsertionPointToStart(body);
  Value buffers = body->getArgument(0);
  auto load = [&](size_t slotIndex) -> Value {
    Value slot = LLVM::GEPOp::create(builder, loc, ptrType, ptrType, buffers,
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(slotIndex)});
    return LLVM::LoadOp::create(builder, loc, ptrType, slot);
  };
  SmallVector<Value> arguments;
  for (model::EntryArgumentSlot slot : getLayout()) {
    switch (slot.kind) {
    case model::EntryArgumentKind::Input:
      arguments.push_back(load(slot.tensor));
      break;
    case model::EntryArgumentKind::Output:
      arguments.push_back(load(signature.inputs.size() + slot.tensor));
      break;
    case model::EntryArgumentKind::SequenceLength:
      arguments.push_back(body->getArgument(1));
      break;
    case model::EntryArgumentKind::Workspace:
      arguments.push_back(body->getArgument(2));
      break;
    case model::EntryArgumentKind::Pool:
      arguments.push_back(body->getArgument(3));
      break;
    }
  }
  auto call = LLVM::CallOp::create(builder, loc, entry, arguments);
  LLVM::ReturnOp::create(builder, loc, call.getResult());
  return packed;
}

LogicalResult DescriptorBuilder::emit(LLVM::LLVMFuncOp entry) {
  if (failed(model::verifyEntryPointLayout(entry, getLayout())))
    return failure();
  for (auto [type, slot] : llvm::zip(entry.getArgumentTypes(), getLayout()))
    if (type != (slot.kind == model::EntryArgumentKind::SequenceLength ? i64Type : ptrType))
      return entry.emitError("entry point argument of type ")
             << type << " where the ABI has a pointer (or the int64_t length)";
  LLVM::LLVMFuncOp packed = createPackedEntry(entry);
  LLVM::GlobalOp inputs = createTensorInfos("inputs", signature.inputs);
  LLVM::GlobalOp outputs = createTensorInfos("outputs", signature.outputs);
  LLVM::GlobalOp name = createString(symbol("__name"), signature.modelName);
  createInitializedGlobal(modelType, symbol("_model"), LLVM::Linkage::External, [&](OpBuilder &b) {
    SmallVector<Value> fields = {
        addressOf(b, name),
        addressOf(b, inputs),
        addressOf(b, outputs),
        LLVM::ConstantOp::create(b, loc, i32Type, static_cast<int32_t>(signature.inputs.size())),
        LLVM::ConstantOp::create(b, loc, i32Type, static_cast<int32_t>(signature.outputs.size())),
        LLVM::ConstantOp::create(b, loc, i64Type, static_cast<int64_t>(signature.workspaceSize)),
        LLVM::ConstantOp::create(b, loc, i64Type, static_cast<int64_t>(mbert::kWorkspaceAlignment)),
        LLVM::AddressOfOp::create(b, loc, ptrType, packed.getSymName()),
        LLVM::ConstantOp::create(b, loc, i64Type, signature.maxSequenceLength)};
    Value model = LLVM::UndefOp::create(b, loc, modelType);
    for (auto [index, field] : llvm::enumerate(fields))
      model = LLVM::InsertValueOp::create(b, loc, model, field, ArrayRef<int64_t>{static_cast<int64_t>(index)});
    return model;
  });
  return success();
}

struct EmitModelDescriptorPass
    : mbert::impl::EmitModelDescriptorPassBase<EmitModelDescriptorPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<mbert::ModelSignature> signature = mbert::getModelSignature(module);
    if (failed(signature))
      return signalPassFailure();
    auto entry = dyn_cast_or_null<LLVM::LLVMFuncOp>(mbert::lookupEntryFunction(module));
    if (!entry) {
      module.emitError("no lowered entry function ")
          << mbert::getEntryFunctionName(signature->modelName);
      return signalPassFailure();
    }
    if (failed(DescriptorBuilder(module, *signature).emit(entry)))
      signalPassFailure();
  }
};

} // namespace
