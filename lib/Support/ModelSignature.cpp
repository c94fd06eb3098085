//===- ModelSignature.cpp - the model's external interface ----------------===//

#include "mbert/ModelSignature.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace mbert {

int32_t getOnnxDataType(Type elementType) {
  if (elementType.isF32())
    return 1;
  if (elementType.isF64())
    return 11;
  if (elementType.isInteger(1))
    return 9;
  if (auto integer = dyn_cast<IntegerType>(elementType)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 8:
      return isUnsigned ? 2 : 3;
    case 16:
      return isUnsigned ? 4 : 5;
    case 32:
      return isUnsigned ? 12 : 6;
    case 64:
      return isUnsigned ? 13 : 7;
    }
  }
  return 0;
}

StringRef getCTypeName(int32_t onnxDataType) {
  switch (onnxDataType) {
  case 1:
    return "float";
  case 2:
    return "uint8_t";
  case 3:
    return "int8_t";
  case 4:
    return "uint16_t";
  case 5:
    return "int16_t";
  case 6:
    return "int32_t";
  case 7:
    return "int64_t";
  case 9:
    return "bool";
  case 11:
    return "double";
  case 12:
    return "uint32_t";
  case 13:
    return "uint64_t";
  }
  return "void";
}

std::string getEntryFunctionName(StringRef modelName) { return (modelName + "_run").str(); }

namespace {

DictionaryAttr tensorToAttr(Builder &builder, const TensorSignature &tensor) {
  SmallVector<NamedAttribute> fields = {
      builder.getNamedAttr("name", builder.getStringAttr(tensor.name)),
      builder.getNamedAttr("dtype", builder.getI32IntegerAttr(tensor.onnxDataType)),
      builder.getNamedAttr("shape", builder.getDenseI64ArrayAttr(tensor.shape))};
  if (tensor.allowedValues)
    fields.push_back(builder.getNamedAttr(
        "allowed_values", builder.getDenseI64ArrayAttr(
                              {tensor.allowedValues->begin, tensor.allowedValues->end})));
  if (tensor.sequenceAxis)
    fields.push_back(
        builder.getNamedAttr("sequence_axis", builder.getI64IntegerAttr(*tensor.sequenceAxis)));
  return builder.getDictionaryAttr(fields);
}

std::optional<TensorSignature> tensorFromAttr(Attribute attr) {
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return std::nullopt;
  auto name = dict.getAs<StringAttr>("name");
  auto dtype = dict.getAs<IntegerAttr>("dtype");
  auto shape = dict.getAs<DenseI64ArrayAttr>("shape");
  if (!name || !dtype || !shape)
    return std::nullopt;
  TensorSignature tensor{name.str(), static_cast<int32_t>(dtype.getInt()),
                         std::vector<int64_t>(shape.asArrayRef().begin(), shape.asArrayRef().end()),
                         std::nullopt, std::nullopt};
  if (auto axis = dict.getAs<IntegerAttr>("sequence_axis")) {
    if (axis.getInt() < 0 || axis.getInt() >= static_cast<int64_t>(tensor.shape.size()))
      return std::nullopt;
    tensor.sequenceAxis = axis.getInt();
  }
  if (auto allowed = dict.getAs<DenseI64ArrayAttr>("allowed_values")) {
    if (allowed.size() != 2)
      return std::nullopt;
    tensor.allowedValues = ValueInterval{allowed[0], allowed[1]};
  }
  return tensor;
}

} // namespace

void setModelSignature(ModuleOp module, const ModelSignature &signature) {
  Builder builder(module.getContext());
  auto toArray = [&](const std::vector<TensorSignature> &tensors) {
    SmallVector<Attribute> attrs;
    for (const TensorSignature &tensor : tensors)
      attrs.push_back(tensorToAttr(builder, tensor));
    return builder.getArrayAttr(attrs);
  };
  module->setAttr(kModelNameAttr, builder.getStringAttr(signature.modelName));
  module->setAttr(kSignatureAttr,
                  builder.getDictionaryAttr({builder.getNamedAttr("inputs", toArray(signature.inputs)),
                                             builder.getNamedAttr("outputs", toArray(signature.outputs))}));
}

FailureOr<ModelSignature> getModelSignature(ModuleOp module) {
  auto name = module->getAttrOfType<StringAttr>(kModelNameAttr);
  auto record = module->getAttrOfType<DictionaryAttr>(kSignatureAttr);
  if (!name || !record)
    return module.emitError("module has no ") << kModelNameAttr << "/" << kSignatureAttr
                                              << " record; was it produced by the mbert importer?";
  ModelSignature signature;
  signature.modelName = name.str();
  for (auto [key, list] : {std::pair(StringRef("inputs"), &signature.inputs),
                           std::pair(StringRef("outputs"), &signature.outputs)}) {
    auto array = record.getAs<ArrayAttr>(key);
    if (!array)
      return module.emitError("malformed ") << kSignatureAttr << ": no " << key;
    for (Attribute attr : array) {
      std::optional<TensorSignature> tensor = tensorFromAttr(attr);
      if (!tensor)
        return module.emitError("malformed ") << kSignatureAttr << " entry " << attr;
      list->push_back(*tensor);
    }
  }
  if (auto size = module->getAttrOfType<IntegerAttr>(kWorkspaceSizeAttr))
    signature.workspaceSize = size.getValue().getZExtValue();
  if (auto length = module->getAttrOfType<IntegerAttr>(kMaxSequenceLengthAttr))
    signature.maxSequenceLength = length.getInt();
  return signature;
}

Operation *lookupEntryFunction(ModuleOp module) {
  auto name = module->getAttrOfType<StringAttr>(kModelNameAttr);
  if (!name)
    return nullptr;
  return SymbolTable::lookupSymbolIn(module, getEntryFunctionName(name.getValue()));
}

} // namespace mbert
