//===- OnnxImporter.cpp - ONNX protobuf to the import dialect -------------===//
//
// Walks an ONNX ModelProto the way onnx-mlir does: initializers become
// constants, the remaining graph inputs become arguments of the entry
// function, nodes are translated in order through a table keyed by op type,
// and the graph outputs are returned. Every op is located at its node name.
//
// Each op is folded as soon as it is built. Exports compute reshape targets
// from Shape ops at run time; with input shapes fixed those fold to constants
// here, so the next node already sees a static shape.
//
//===----------------------------------------------------------------------===//

#include "mbert/Frontend/OnnxImporter.h"

#include "dialects/MBert/EntryPoint.h"
#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxOps.h"
#include "dialects/Onnx/OnnxShapes.h"
#include "mbert/Limits.h"
#include "mbert/ModelSignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <google/protobuf/util/json_util.h>
#include <onnx/onnx_pb.h>

#include <fcntl.h>
#include <functional>
#include <unistd.h>

using namespace mlir;
using namespace mbert::onnx_import;

namespace mbert {
namespace {

/// The opsets whose operator semantics the handlers below implement.
constexpr int64_t kMinOpset = 11;
constexpr int64_t kMaxOpset = 17;

using limits::kMaxRank;
using limits::kMaxTensorElements;

bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Element type of an ONNX TensorProto data type; null when unsupported.
Type getElementType(MLIRContext *context, int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(context);
  case onnx::TensorProto::DOUBLE:
    return Float64Type::get(context);
  case onnx::TensorProto::INT64:
    return IntegerType::get(context, 64);
  case onnx::TensorProto::INT32:
    return IntegerType::get(context, 32);
  case onnx::TensorProto::INT8:
    return IntegerType::get(context, 8);
  case onnx::TensorProto::UINT8:
    return IntegerType::get(context, 8, IntegerType::Unsigned);
  case onnx::TensorProto::BOOL:
    return IntegerType::get(context, 1);
  default:
    return {};
  }
}

std::string getDataTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

/// "[2, ?, 4]"; dynamic dimensions print as '?'.
std::string formatShape(ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(llvm::map_range(shape,
                                    [](int64_t dim) {
                                      return ShapedType::isDynamic(dim) ? std::string("?")
                                                                        : std::to_string(dim);
                                    }),
                    ", ") +
         "]";
}

class OnnxImporter;
using NodeHandler = std::function<LogicalResult(OnnxImporter &, const onnx::NodeProto &,
                                                ArrayRef<Value>, SmallVectorImpl<Value> &)>;

class OnnxImporter {
public:
  /// Reads the model from the file at `path`, or from `contents` when given
  /// (`path` then only names it and locates its external data).
  OnnxImporter(MLIRContext &context, StringRef path, std::optional<StringRef> contents,
               const ImportOptions &options)
      : context(context), builder(&context), path(path.str()), contents(contents),
        options(options), fileLoc(FileLineColLoc::get(&context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

  //===--------------------------------------------------------------------===//
  // Helpers for node handlers
  //===--------------------------------------------------------------------===//

  Location getNodeLoc(const onnx::NodeProto &node) const {
    std::string name = node.name().empty() ? node.op_type() + "#" + std::to_string(nodeIndex)
                                           : node.name();
    return NameLoc::get(StringAttr::get(&context, name), fileLoc);
  }

  InFlightDiagnostic emitNodeError(const onnx::NodeProto &node) {
    return mlir::emitError(getNodeLoc(node)) << node.op_type() << ": ";
  }

  /// Builds `OpTy` with result types inferred from operands and attributes,
  /// reporting (instead of asserting on) operands whose shapes do not fit,
  /// verifies it and folds it. `args` are the op's ODS builder arguments after
  /// the result types.
  template <typename OpTy, typename... Args>
  FailureOr<SmallVector<Value>> build(const onnx::NodeProto &node, Args &&...args) {
    Location loc = getNodeLoc(node);
    OperationState state(loc, OpTy::getOperationName());
    OpTy::build(builder, state, TypeRange(), std::forward<Args>(args)...);
    SmallVector<Type> resultTypes;
    if (failed(OpTy::inferReturnTypes(&context, loc, state.operands,
                                      state.attributes.getDictionary(&context),
                                      state.getRawProperties(), state.regions, resultTypes)))
      return failure();
    if (failed(checkResultTypes(node, resultTypes)))
      return failure();
    state.addTypes(resultTypes);
    Operation *op = builder.create(state);
    if (failed(mlir::verify(op)))
      return failure();
    SmallVector<Value> folded;
    if (succeeded(builder.tryFold(op, folded)) && !folded.empty()) {
      op->erase();
      return folded;
    }
    return SmallVector<Value>(op->getResults());
  }

  /// Every result type must be within the limits of mbert/Limits.h. Checked
  /// on the inferred types, before the op exists and before a folder could
  /// materialize a constant of that shape.
  LogicalResult checkResultTypes(const onnx::NodeProto &node, TypeRange types) {
    for (auto [index, type] : llvm::enumerate(types)) {
      auto ranked = dyn_cast<RankedTensorType>(type);
      if (!ranked)
        continue;
      if (ranked.getRank() > kMaxRank)
        return emitNodeError(node) << "result " << index << " would have rank "
                                   << ranked.getRank() << ", more than the limit of "
                                   << kMaxRank;
      int64_t count = 1;
      for (int64_t dim : ranked.getShape()) {
        if (ShapedType::isDynamic(dim))
          continue;
        if (dim < 0)
          return emitNodeError(node) << "result " << index << " would have the negative dimension "
                                     << dim;
        if (llvm::MulOverflow(count, dim, count) || count > kMaxTensorElements)
          return emitNodeError(node) << "result " << index << " would have shape "
                                     << formatShape(ranked.getShape()) << ", more than the limit of "
                                     << kMaxTensorElements << " elements per tensor";
      }
    }
    return success();
  }

  /// A 1-D int64 constant, for attributes that newer opsets take as inputs.
  Value buildI64Constant(const onnx::NodeProto &node, ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, builder.getI64Type());
    return ConstantOp::create(builder, getNodeLoc(node), DenseElementsAttr::get(type, values));
  }

  FailureOr<ElementsAttr> convertTensor(const onnx::TensorProto &tensor, Location loc);
  FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
  readExternalData(const onnx::TensorProto &tensor, Location loc, int64_t expectedBytes);
  FailureOr<Attribute> convertConstantAttribute(const onnx::NodeProto &node,
                                                const onnx::AttributeProto &attr);

  int64_t getOpset() const { return opset; }
  OpBuilder &getBuilder() { return builder; }
  MLIRContext &getContext() { return context; }

private:
  LogicalResult readModel(onnx::ModelProto &model);
  LogicalResult readJsonModel(StringRef text, onnx::ModelProto &model);
  LogicalResult checkOpsets(const onnx::ModelProto &model);
  LogicalResult parseBinaryModel(google::protobuf::io::ZeroCopyInputStream &stream,
                                 onnx::ModelProto &model);
  LogicalResult parseConvertingInitializers(google::protobuf::io::ZeroCopyInputStream &stream,
                                            onnx::ModelProto &model);
  LogicalResult convertInitializer(const onnx::TensorProto &tensor);
  LogicalResult importInitializers(onnx::GraphProto &graph);
  FailureOr<SmallVector<int64_t>> resolveInputShape(const onnx::ValueInfoProto &input);
  LogicalResult importNode(const onnx::NodeProto &node);
  LogicalResult importOutputs(const onnx::GraphProto &graph, func::FuncOp func,
                              ModelSignature &signature);

  InFlightDiagnostic emitFileError() { return mlir::emitError(fileLoc); }

  MLIRContext &context;
  OpBuilder builder;
  std::string path;
  std::optional<StringRef> contents;
  const ImportOptions &options;
  Location fileLoc;
  int64_t opset = 0;
  int nodeIndex = 0;
  /// Bytes of the initializers and Constant values converted so far.
  int64_t weightBytes = 0;
  llvm::StringMap<Value> values;
  /// Graph initializers converted to attributes, in file order.
  std::vector<std::pair<std::string, ElementsAttr>> initializers;
  ModuleOp module;
};

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *findAttribute(const onnx::NodeProto &node, StringRef name) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

FailureOr<int64_t> getIntAttribute(OnnxImporter &importer, const onnx::NodeProto &node,
                                   StringRef name, std::optional<int64_t> defaultValue) {
  const onnx::AttributeProto *attr = findAttribute(node, name);
  if (!attr) {
    if (defaultValue)
      return *defaultValue;
    return importer.emitNodeError(node) << "missing required attribute '" << name << "'";
  }
  if (attr->type() != onnx::AttributeProto::INT)
    return importer.emitNodeError(node) << "attribute '" << name << "' must be an integer";
  return attr->i();
}

FailureOr<SmallVector<int64_t>> getIntsAttribute(OnnxImporter &importer,
                                                 const onnx::NodeProto &node, StringRef name) {
  const onnx::AttributeProto *attr = findAttribute(node, name);
  if (!attr)
    return importer.emitNodeError(node) << "missing required attribute '" << name << "'";
  if (attr->type() != onnx::AttributeProto::INTS)
    return importer.emitNodeError(node) << "attribute '" << name << "' must be a list of integers";
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

FailureOr<float> getFloatAttribute(OnnxImporter &importer, const onnx::NodeProto &node,
                                   StringRef name, float defaultValue) {
  const onnx::AttributeProto *attr = findAttribute(node, name);
  if (!attr)
    return defaultValue;
  if (attr->type() != onnx::AttributeProto::FLOAT)
    return importer.emitNodeError(node) << "attribute '" << name << "' must be a float";
  return attr->f();
}

/// Every attribute of `node` must be one the handler understands; silently
/// ignoring one would compute something other than what the model says.
LogicalResult checkAttributes(OnnxImporter &importer, const onnx::NodeProto &node,
                              std::initializer_list<StringRef> known) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (llvm::find(known, StringRef(attr.name())) == known.end())
      return importer.emitNodeError(node) << "unsupported attribute '" << attr.name() << "'";
  return success();
}

/// Operands `[0, required)` must be present; the rest may be absent.
LogicalResult checkOperandCount(OnnxImporter &importer, const onnx::NodeProto &node,
                                ArrayRef<Value> operands, size_t required, size_t maximum) {
  if (operands.size() < required || operands.size() > maximum)
    return importer.emitNodeError(node) << "expects " << required
                                        << (required == maximum ? "" : " to " + std::to_string(maximum))
                                        << " inputs, got " << operands.size();
  for (size_t i = 0; i < required; ++i)
    if (!operands[i])
      return importer.emitNodeError(node) << "required input " << i << " is empty";
  return success();
}

Value getOptionalOperand(ArrayRef<Value> operands, size_t index) {
  return index < operands.size() ? operands[index] : Value();
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

FailureOr<ElementsAttr> OnnxImporter::convertTensor(const onnx::TensorProto &tensor, Location loc) {
  auto fail = [&]() { return mlir::emitError(loc) << "tensor '" << tensor.name() << "': "; };
  Type elementType = getElementType(&context, tensor.data_type());
  if (!elementType)
    return fail() << "unsupported data type " << getDataTypeName(tensor.data_type());
  if (tensor.dims_size() > kMaxRank)
    return fail() << "rank " << tensor.dims_size() << " is more than the limit of " << kMaxRank;
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return fail() << "negative dimension " << dim;
    if (dim != 0 && count > kMaxTensorElements / dim)
      return fail() << "declared shape has more than the limit of " << kMaxTensorElements
                    << " elements per tensor";
    count *= dim;
    shape.push_back(dim);
  }
  auto type = RankedTensorType::get(shape, elementType);
  // bool is one byte per element in raw_data; MLIR's i1 storage differs, so
  // convert it element by element like the typed fields.
  unsigned byteWidth = elementType.isInteger(1) ? 1 : elementType.getIntOrFloatBitWidth() / 8;
  // Counted before the bytes are read or converted.
  weightBytes += count * byteWidth;
  if (weightBytes > limits::kMaxTotalWeightBytes)
    return fail() << "the model's weights exceed the limit of " << limits::kMaxTotalWeightBytes
                  << " bytes in all";
  std::unique_ptr<llvm::MemoryBuffer> externalData;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::unique_ptr<llvm::MemoryBuffer>> data =
        readExternalData(tensor, loc, count * byteWidth);
    if (failed(data))
      return failure();
    externalData = std::move(*data);
  }
  if (externalData || tensor.has_raw_data()) {
    StringRef raw = externalData ? externalData->getBuffer() : StringRef(tensor.raw_data());
    if (static_cast<int64_t>(raw.size()) != count * static_cast<int64_t>(byteWidth))
      return fail() << (externalData ? "external data" : "raw_data") << " holds " << raw.size()
                    << " bytes, shape needs " << count * byteWidth;
    if (elementType.isInteger(1)) {
      SmallVector<bool> bools;
      for (char byte : raw)
        bools.push_back(byte != 0);
      return ElementsAttr(DenseElementsAttr::get(type, bools));
    }
    return createConstantAttr(type, ArrayRef<char>(raw.data(), raw.size()));
  }
  auto checkCount = [&](int64_t fieldSize) -> LogicalResult {
    if (fieldSize != count)
      return fail() << "holds " << fieldSize << " values, shape needs " << count;
    return success();
  };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (failed(checkCount(tensor.float_data_size())))
      return failure();
    return ElementsAttr(
        DenseElementsAttr::get(type, ArrayRef<float>(tensor.float_data().data(), count)));
  case onnx::TensorProto::DOUBLE:
    if (failed(checkCount(tensor.double_data_size())))
      return failure();
    return ElementsAttr(
        DenseElementsAttr::get(type, ArrayRef<double>(tensor.double_data().data(), count)));
  case onnx::TensorProto::INT64:
    if (failed(checkCount(tensor.int64_data_size())))
      return failure();
    return ElementsAttr(
        DenseElementsAttr::get(type, ArrayRef<int64_t>(tensor.int64_data().data(), count)));
  default: {
    // int32, int8, uint8 and bool all travel in int32_data.
    if (failed(checkCount(tensor.int32_data_size())))
      return failure();
    SmallVector<APInt> ints;
    unsigned width = elementType.getIntOrFloatBitWidth();
    // int8 and uint8 values travel widened; one outside the type's range
    // (a uint8 zero point of 300) would otherwise wrap around silently.
    if (std::optional<std::pair<int64_t, int64_t>> range = getQuantizedRange(elementType))
      for (int32_t value : tensor.int32_data())
        if (value < range->first || value > range->second)
          return fail() << "value " << value << " is out of the range of "
                        << getDataTypeName(tensor.data_type()) << " [" << range->first << ", "
                        << range->second << "]";
    for (int32_t value : tensor.int32_data())
      ints.push_back(APInt(width, elementType.isInteger(1) ? value != 0 : value,
                           /*isSigned=*/!elementType.isUnsignedInteger(), /*implicitTrunc=*/true));
    return ElementsAttr(DenseElementsAttr::get(type, ints));
  }
  }
}

/// Reads the bytes of a tensor stored outside the model (data_location =
/// EXTERNAL). The file must lie inside the model's folder: a model is often
/// downloaded, and its metadata must not make the compiler read (and embed in
/// an object) arbitrary files, so absolute paths, `..` and symlinks leading
/// out of the folder are rejected.
FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
OnnxImporter::readExternalData(const onnx::TensorProto &tensor, Location loc,
                               int64_t expectedBytes) {
  auto fail = [&]() { return mlir::emitError(loc) << "tensor '" << tensor.name() << "': "; };
  std::string location;
  std::optional<int64_t> offset, length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      int64_t value;
      if (StringRef(entry.value()).getAsInteger(10, value) || value < 0)
        return fail() << "external data " << entry.key() << " '" << entry.value()
                      << "' is not a non-negative integer";
      (entry.key() == "offset" ? offset : length) = value;
    } else if (entry.key() != "checksum") {
      return fail() << "unknown external data key '" << entry.key() << "'";
    }
  }
  if (location.empty())
    return fail() << "external data has no location";
  if (llvm::sys::path::is_absolute(location))
    return fail() << "external data location '" << location
                  << "' is an absolute path; it must be relative to the model's folder";
  for (StringRef component : llvm::make_range(llvm::sys::path::begin(location),
                                              llvm::sys::path::end(location)))
    if (component == "..")
      return fail() << "external data location '" << location
                    << "' leaves the model's folder";

  StringRef modelFolder = llvm::sys::path::parent_path(path);
  SmallString<256> dataPath(modelFolder.empty() ? "." : modelFolder);
  llvm::sys::path::append(dataPath, location);
  SmallString<256> realFolder, realData;
  if (llvm::sys::fs::real_path(modelFolder.empty() ? "." : modelFolder, realFolder) ||
      llvm::sys::fs::real_path(dataPath, realData))
    return fail() << "cannot open external data file '" << location << "'";
  llvm::sys::path::append(realFolder, "");
  if (!StringRef(realData).starts_with(realFolder))
    return fail() << "external data file '" << location
                  << "' resolves (through a symbolic link) outside the model's folder";

  uint64_t fileSize;
  if (llvm::sys::fs::file_size(realData, fileSize) || !llvm::sys::fs::is_regular_file(realData))
    return fail() << "external data '" << location << "' is not a regular file";
  int64_t start = offset.value_or(0);
  int64_t bytes = length.value_or(expectedBytes);
  if (static_cast<uint64_t>(start) > fileSize ||
      static_cast<uint64_t>(bytes) > fileSize - static_cast<uint64_t>(start))
    return fail() << "external data file '" << location << "' holds " << fileSize
                  << " bytes, shorter than the " << bytes << " declared at offset " << start;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer = llvm::MemoryBuffer::getFileSlice(
      realData, bytes, start, /*IsVolatile=*/false);
  if (!buffer)
    return fail() << "cannot read external data file '" << location
                  << "': " << buffer.getError().message();
  return std::move(*buffer);
}

FailureOr<Attribute> OnnxImporter::convertConstantAttribute(const onnx::NodeProto &node,
                                                            const onnx::AttributeProto &attr) {
  Location loc = getNodeLoc(node);
  auto f32 = builder.getF32Type();
  auto i64 = builder.getI64Type();
  if (attr.name() == "value" && attr.type() == onnx::AttributeProto::TENSOR)
    return convertTensor(attr.t(), loc);
  if (attr.name() == "value_float" && attr.type() == onnx::AttributeProto::FLOAT)
    return Attribute(DenseElementsAttr::get(RankedTensorType::get({}, f32), attr.f()));
  if (attr.name() == "value_int" && attr.type() == onnx::AttributeProto::INT)
    return Attribute(DenseElementsAttr::get(RankedTensorType::get({}, i64), attr.i()));
  if (attr.name() == "value_floats" && attr.type() == onnx::AttributeProto::FLOATS)
    return Attribute(DenseElementsAttr::get(
        RankedTensorType::get({attr.floats_size()}, f32),
        ArrayRef<float>(attr.floats().data(), attr.floats_size())));
  if (attr.name() == "value_ints" && attr.type() == onnx::AttributeProto::INTS)
    return Attribute(DenseElementsAttr::get(
        RankedTensorType::get({attr.ints_size()}, i64),
        ArrayRef<int64_t>(attr.ints().data(), attr.ints_size())));
  return emitNodeError(node) << "unsupported constant attribute '" << attr.name() << "'";
}

//===----------------------------------------------------------------------===//
// Node handlers
//===----------------------------------------------------------------------===//

template <typename OpTy>
NodeHandler binaryHandler() {
  return [](OnnxImporter &importer, const onnx::NodeProto &node, ArrayRef<Value> operands,
            SmallVectorImpl<Value> &results) -> LogicalResult {
    if (failed(checkAttributes(importer, node, {})) ||
        failed(checkOperandCount(importer, node, operands, 2, 2)))
      return failure();
    // The generated arithmetic is on signless integers read as signed;
    // unsigned operands would silently compute signed results.
    for (Value operand : operands)
      if (getElementTypeOrSelf(operand).isUnsignedInteger())
        return importer.emitNodeError(node) << "unsigned integer operands ("
                                            << operand.getType() << ") are not supported";
    auto built = importer.build<OpTy>(node, operands[0], operands[1]);
    if (failed(built))
      return failure();
    results.append(built->begin(), built->end());
    return success();
  };
}

/// Handlers whose op is built from the operands and a few attributes share
/// this shape; `buildOp` does the op-specific part.
template <typename BuildFn>
NodeHandler handler(std::initializer_list<StringRef> attributes, size_t required,
                    size_t maximum, BuildFn buildOp) {
  std::vector<StringRef> known(attributes);
  return [known, required, maximum, buildOp](OnnxImporter &importer,
                                             const onnx::NodeProto &node,
                                             ArrayRef<Value> operands,
                                             SmallVectorImpl<Value> &results) -> LogicalResult {
    for (const onnx::AttributeProto &attr : node.attribute())
      if (llvm::find(known, StringRef(attr.name())) == known.end())
        return importer.emitNodeError(node) << "unsupported attribute '" << attr.name() << "'";
    if (failed(checkOperandCount(importer, node, operands, required, maximum)))
      return failure();
    FailureOr<SmallVector<Value>> built = buildOp(importer, node, operands);
    if (failed(built))
      return failure();
    results.append(built->begin(), built->end());
    return success();
  };
}

using Built = FailureOr<SmallVector<Value>>;

/// Squeeze, Unsqueeze and Split took their axes/sizes as an attribute before
/// opset 13 and as an input since; both become the input form.
FailureOr<Value> getListOperand(OnnxImporter &importer, const onnx::NodeProto &node,
                                ArrayRef<Value> operands, size_t index, StringRef attrName) {
  if (importer.getOpset() >= 13) {
    // Ignoring the old attribute would split or squeeze differently from
    // what the model's author wrote.
    if (findAttribute(node, attrName))
      return importer.emitNodeError(node)
             << "attribute '" << attrName << "' was replaced by input " << index
             << " in opset 13; the model imports opset " << importer.getOpset();
    return getOptionalOperand(operands, index);
  }
  if (!findAttribute(node, attrName))
    return Value();
  FailureOr<SmallVector<int64_t>> list = getIntsAttribute(importer, node, attrName);
  if (failed(list))
    return failure();
  return importer.buildI64Constant(node, *list);
}

llvm::StringMap<NodeHandler> createNodeHandlers() {
  llvm::StringMap<NodeHandler> handlers;
  handlers["Add"] = binaryHandler<AddOp>();
  handlers["Sub"] = binaryHandler<SubOp>();
  handlers["Mul"] = binaryHandler<MulOp>();
  handlers["Div"] = binaryHandler<DivOp>();
  handlers["Equal"] = binaryHandler<EqualOp>();
  handlers["MatMul"] = binaryHandler<MatMulOp>();

  handlers["Where"] = handler({}, 3, 3, [](OnnxImporter &im, const onnx::NodeProto &node,
                                           ArrayRef<Value> ops) -> Built {
    return im.build<WhereOp>(node, ops[0], ops[1], ops[2]);
  });
  handlers["Relu"] = handler({}, 1, 1, [](OnnxImporter &im, const onnx::NodeProto &node,
                                          ArrayRef<Value> ops) -> Built {
    return im.build<ReluOp>(node, ops[0]);
  });
  handlers["Sqrt"] = handler({}, 1, 1, [](OnnxImporter &im, const onnx::NodeProto &node,
                                          ArrayRef<Value> ops) -> Built {
    return im.build<SqrtOp>(node, ops[0]);
  });
  handlers["Pow"] = handler({}, 2, 2, [](OnnxImporter &im, const onnx::NodeProto &node,
                                         ArrayRef<Value> ops) -> Built {
    return im.build<PowOp>(node, ops[0], ops[1]);
  });
  handlers["ReduceMean"] = handler({"axes", "keepdims"}, 1, 1, [](OnnxImporter &im,
                                                                  const onnx::NodeProto &node,
                                                                  ArrayRef<Value> ops) -> Built {
    auto keepDims = getIntAttribute(im, node, "keepdims", 1);
    if (failed(keepDims))
      return failure();
    DenseI64ArrayAttr axes;
    if (findAttribute(node, "axes")) {
      auto values = getIntsAttribute(im, node, "axes");
      if (failed(values))
        return failure();
      axes = im.getBuilder().getDenseI64ArrayAttr(*values);
    }
    return im.build<ReduceMeanOp>(node, ops[0], axes, *keepDims);
  });
  handlers["LayerNormalization"] = handler({"axis", "epsilon", "stash_type"}, 2, 3,
                                           [](OnnxImporter &im, const onnx::NodeProto &node,
                                              ArrayRef<Value> ops) -> Built {
    if (im.getOpset() < 17)
      return im.emitNodeError(node) << "LayerNormalization is an operator of opset 17 and "
                                       "later; the model imports opset "
                                    << im.getOpset();
    auto axis = getIntAttribute(im, node, "axis", -1);
    auto epsilon = getFloatAttribute(im, node, "epsilon", 1e-5f);
    auto stashType = getIntAttribute(im, node, "stash_type", onnx::TensorProto::FLOAT);
    if (failed(axis) || failed(epsilon) || failed(stashType))
      return failure();
    if (*stashType != onnx::TensorProto::FLOAT)
      return im.emitNodeError(node) << "stash_type " << *stashType
                                    << " is not supported (only 1, float32 statistics)";
    return im.build<LayerNormalizationOp>(node, ops[0], ops[1], getOptionalOperand(ops, 2),
                                          *axis, APFloat(*epsilon));
  });
  handlers["Gemm"] = handler({"alpha", "beta", "transA", "transB"}, 2, 3,
                             [](OnnxImporter &im, const onnx::NodeProto &node,
                                ArrayRef<Value> ops) -> Built {
    auto alpha = getFloatAttribute(im, node, "alpha", 1.0f);
    auto beta = getFloatAttribute(im, node, "beta", 1.0f);
    auto transA = getIntAttribute(im, node, "transA", 0);
    auto transB = getIntAttribute(im, node, "transB", 0);
    if (failed(alpha) || failed(beta) || failed(transA) || failed(transB))
      return failure();
    return im.build<GemmOp>(node, ops[0], ops[1], getOptionalOperand(ops, 2), APFloat(*alpha), APFloat(*beta),
                            *transA, *transB);
  });
  handlers["Softmax"] = handler({"axis"}, 1, 1, [](OnnxImporter &im, const onnx::NodeProto &node,
                                                   ArrayRef<Value> ops) -> Built {
    // Before opset 13 Softmax flattened the input to 2-D at `axis` (default
    // 1); that equals the one-axis form exactly when axis is the last one.
    bool legacy = im.getOpset() < 13;
    auto axis = getIntAttribute(im, node, "axis", legacy ? 1 : -1);
    if (failed(axis))
      return failure();
    if (legacy) {
      auto type = dyn_cast<RankedTensorType>(ops[0].getType());
      if (!type || (*axis != -1 && *axis != type.getRank() - 1))
        return im.emitNodeError(node)
               << "opset " << im.getOpset() << " Softmax over axis " << *axis
               << " coerces the input to 2-D; only the last axis is supported";
    }
    return im.build<SoftmaxOp>(node, ops[0], *axis);
  });
  handlers["Gather"] = handler({"axis"}, 2, 2, [](OnnxImporter &im, const onnx::NodeProto &node,
                                                  ArrayRef<Value> ops) -> Built {
    auto axis = getIntAttribute(im, node, "axis", 0);
    if (failed(axis))
      return failure();
    return im.build<GatherOp>(node, ops[0], ops[1], *axis);
  });
  handlers["Slice"] = handler({}, 3, 5, [](OnnxImporter &im, const onnx::NodeProto &node,
                                           ArrayRef<Value> ops) -> Built {
    return im.build<SliceOp>(node, ops[0], ops[1], ops[2], getOptionalOperand(ops, 3),
                             getOptionalOperand(ops, 4));
  });
  handlers["Pad"] = handler({"mode"}, 2, 3, [](OnnxImporter &im, const onnx::NodeProto &node,
                                               ArrayRef<Value> ops) -> Built {
    std::string mode = "constant";
    if (const onnx::AttributeProto *attr = findAttribute(node, "mode"))
      mode = attr->s();
    return im.build<PadOp>(node, ops[0], ops[1], getOptionalOperand(ops, 2), mode);
  });
  handlers["Concat"] = handler({"axis"}, 1, SIZE_MAX, [](OnnxImporter &im,
                                                         const onnx::NodeProto &node,
                                                         ArrayRef<Value> ops) -> Built {
    auto axis = getIntAttribute(im, node, "axis", std::nullopt);
    if (failed(axis))
      return failure();
    return im.build<ConcatOp>(node, ValueRange(ops), *axis);
  });
  handlers["Split"] = handler({"axis", "split"}, 1, 2, [](OnnxImporter &im,
                                                          const onnx::NodeProto &node,
                                                          ArrayRef<Value> ops) -> Built {
    auto axis = getIntAttribute(im, node, "axis", 0);
    FailureOr<Value> split = getListOperand(im, node, ops, 1, "split");
    if (failed(axis) || failed(split))
      return failure();
    return im.build<SplitOp>(node, ops[0], *split, *axis,
                             static_cast<int64_t>(node.output_size()));
  });
  handlers["Reshape"] = handler({"allowzero"}, 2, 2, [](OnnxImporter &im,
                                                        const onnx::NodeProto &node,
                                                        ArrayRef<Value> ops) -> Built {
    auto allowZero = getIntAttribute(im, node, "allowzero", 0);
    if (failed(allowZero))
      return failure();
    return im.build<ReshapeOp>(node, ops[0], ops[1], *allowZero);
  });
  handlers["Transpose"] = handler({"perm"}, 1, 1, [](OnnxImporter &im,
                                                     const onnx::NodeProto &node,
                                                     ArrayRef<Value> ops) -> Built {
    DenseI64ArrayAttr perm;
    if (findAttribute(node, "perm")) {
      auto values = getIntsAttribute(im, node, "perm");
      if (failed(values))
        return failure();
      perm = im.getBuilder().getDenseI64ArrayAttr(*values);
    }
    return im.build<TransposeOp>(node, ops[0], perm);
  });
  handlers["Unsqueeze"] = handler({"axes"}, 1, 2, [](OnnxImporter &im,
                                                     const onnx::NodeProto &node,
                                                     ArrayRef<Value> ops) -> Built {
    FailureOr<Value> axes = getListOperand(im, node, ops, 1, "axes");
    if (failed(axes))
      return failure();
    if (!*axes)
      return im.emitNodeError(node) << "axes are required";
    return im.build<UnsqueezeOp>(node, ops[0], *axes);
  });
  handlers["Squeeze"] = handler({"axes"}, 1, 2, [](OnnxImporter &im, const onnx::NodeProto &node,
                                                   ArrayRef<Value> ops) -> Built {
    FailureOr<Value> axes = getListOperand(im, node, ops, 1, "axes");
    if (failed(axes))
      return failure();
    return im.build<SqueezeOp>(node, ops[0], *axes);
  });
  handlers["Cast"] = handler({"to"}, 1, 1, [](OnnxImporter &im,
                                                          const onnx::NodeProto &node,
                                                          ArrayRef<Value> ops) -> Built {
    auto to = getIntAttribute(im, node, "to", std::nullopt);
    if (failed(to))
      return failure();
    Type elementType = getElementType(&im.getContext(), static_cast<int32_t>(*to));
    if (!elementType)
      return im.emitNodeError(node) << "cast to unsupported type "
                                    << getDataTypeName(static_cast<int32_t>(*to));
    return im.build<CastOp>(node, ops[0], TypeAttr::get(elementType));
  });
  handlers["Shape"] = handler({"start", "end"}, 1, 1, [](OnnxImporter &im,
                                                         const onnx::NodeProto &node,
                                                         ArrayRef<Value> ops) -> Built {
    auto start = getIntAttribute(im, node, "start", 0);
    if (failed(start))
      return failure();
    IntegerAttr end;
    if (findAttribute(node, "end")) {
      auto value = getIntAttribute(im, node, "end", std::nullopt);
      if (failed(value))
        return failure();
      end = im.getBuilder().getI64IntegerAttr(*value);
    }
    return im.build<ShapeOp>(node, ops[0], im.getBuilder().getI64IntegerAttr(*start), end);
  });
  handlers["ConstantOfShape"] = handler({"value"}, 1, 1, [](OnnxImporter &im,
                                                            const onnx::NodeProto &node,
                                                            ArrayRef<Value> ops) -> Built {
    ElementsAttr value;
    if (const onnx::AttributeProto *attr = findAttribute(node, "value")) {
      FailureOr<Attribute> converted = im.convertConstantAttribute(node, *attr);
      if (failed(converted))
        return failure();
      value = cast<ElementsAttr>(*converted);
    }
    return im.build<ConstantOfShapeOp>(node, ops[0], value);
  });
  handlers["Expand"] = handler({}, 2, 2, [](OnnxImporter &im, const onnx::NodeProto &node,
                                            ArrayRef<Value> ops) -> Built {
    return im.build<ExpandOp>(node, ops[0], ops[1]);
  });
  handlers["Constant"] = handler({"value", "value_float", "value_floats", "value_int",
                                  "value_ints"},
                                 0, 0, [](OnnxImporter &im, const onnx::NodeProto &node,
                                          ArrayRef<Value>) -> Built {
    if (node.attribute_size() != 1)
      return im.emitNodeError(node) << "needs exactly one value attribute";
    FailureOr<Attribute> value = im.convertConstantAttribute(node, node.attribute(0));
    if (failed(value))
      return failure();
    return im.build<ConstantOp>(node, cast<ElementsAttr>(*value));
  });
  // QuantizeLinear and DequantizeLinear: per-axis parameters (a 1-D scale
  // with more than one value) and the axis attribute arrived in opset 13.
  auto quantizeLinearHandler = [](bool dequantize) {
    return handler({"axis"}, 2, 3, [dequantize](OnnxImporter &im, const onnx::NodeProto &node,
                                                 ArrayRef<Value> ops) -> Built {
      auto axis = getIntAttribute(im, node, "axis", 1);
      if (failed(axis))
        return failure();
      if (im.getOpset() < 13) {
        auto scaleType = dyn_cast<RankedTensorType>(ops[1].getType());
        if (findAttribute(node, "axis") || (scaleType && !isPerTensorQuantization(scaleType)))
          return im.emitNodeError(node) << "per-axis quantization (the axis attribute, a 1-D "
                                           "scale) needs opset 13; the model imports opset "
                                        << im.getOpset();
      }
      Value zeroPoint = getOptionalOperand(ops, 2);
      if (dequantize)
        return im.build<DequantizeLinearOp>(node, ops[0], ops[1], zeroPoint, *axis);
      return im.build<QuantizeLinearOp>(node, ops[0], ops[1], zeroPoint, *axis);
    });
  };
  handlers["QuantizeLinear"] = quantizeLinearHandler(/*dequantize=*/false);
  handlers["DequantizeLinear"] = quantizeLinearHandler(/*dequantize=*/true);
  handlers["DynamicQuantizeLinear"] = handler({}, 1, 1, [](OnnxImporter &im,
                                                           const onnx::NodeProto &node,
                                                           ArrayRef<Value> ops) -> Built {
    return im.build<DynamicQuantizeLinearOp>(node, ops[0]);
  });
  handlers["MatMulInteger"] = handler({}, 2, 4, [](OnnxImporter &im, const onnx::NodeProto &node,
                                                   ArrayRef<Value> ops) -> Built {
    return im.build<MatMulIntegerOp>(node, ops[0], ops[1], getOptionalOperand(ops, 2),
                                     getOptionalOperand(ops, 3));
  });
  // Identity and inference-mode Dropout forward their input unchanged.
  handlers["Identity"] = handler({}, 1, 1, [](OnnxImporter &, const onnx::NodeProto &,
                                              ArrayRef<Value> ops) -> Built {
    return SmallVector<Value>{ops[0]};
  });
  handlers["Dropout"] = handler({"seed", "ratio"}, 1, 3, [](OnnxImporter &im,
                                                            const onnx::NodeProto &node,
                                                            ArrayRef<Value> ops) -> Built {
    if (node.output_size() > 1 && !node.output(1).empty())
      return im.emitNodeError(node) << "the mask output of Dropout is not supported";
    // Since opset 12 training_mode is an input; in training mode Dropout
    // zeroes random elements, which a compiled inference model cannot do.
    if (Value trainingMode = getOptionalOperand(ops, 2)) {
      DenseElementsAttr mode = getConstantElements(trainingMode);
      if (!mode || !mode.getElementType().isInteger(1) || mode.getNumElements() != 1)
        return im.emitNodeError(node) << "training_mode must be a constant bool (mbert compiles "
                                         "inference only)";
      if (*mode.getValues<bool>().begin())
        return im.emitNodeError(node) << "training mode is not supported (mbert compiles "
                                         "inference only)";
    }
    return SmallVector<Value>{ops[0]};
  });
  return handlers;
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

LogicalResult OnnxImporter::readModel(onnx::ModelProto &model) {
  if (contents) {
    if (contents->size() > static_cast<size_t>(INT_MAX))
      return emitFileError() << "model is larger than protobuf's 2 GB limit; save the weights "
                                "as external data";
    google::protobuf::io::ArrayInputStream stream(contents->data(),
                                                  static_cast<int>(contents->size()));
    return parseBinaryModel(stream, model);
  }
  if (path.size() > 5 && StringRef(path).ends_with(".json")) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file = llvm::MemoryBuffer::getFile(path);
    if (!file)
      return emitFileError() << "cannot read the model file: " << file.getError().message();
    return readJsonModel((*file)->getBuffer(), model);
  }
  // Streamed rather than mapped: the parsed message already holds a copy of
  // every weight, a mapping of the whole file would be a second one.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return emitFileError() << "cannot read the model file: "
                           << std::error_code(errno, std::generic_category()).message();
  uint64_t fileSize = 0;
  if (llvm::sys::fs::file_size(path, fileSize) || !llvm::sys::fs::is_regular_file(path)) {
    ::close(fd);
    return emitFileError() << "cannot read the model file: it is not a regular file";
  }
  if (fileSize > static_cast<uint64_t>(INT_MAX)) {
    ::close(fd);
    return emitFileError() << "file is larger than protobuf's 2 GB limit; save the weights "
                              "as external data";
  }
  google::protobuf::io::FileInputStream stream(fd);
  stream.SetCloseOnDelete(true);
  return parseBinaryModel(stream, model);
}

LogicalResult OnnxImporter::parseBinaryModel(google::protobuf::io::ZeroCopyInputStream &stream,
                                             onnx::ModelProto &model) {
  if (failed(parseConvertingInitializers(stream, model)))
    return failure();
  if (!model.has_graph())
    return emitFileError() << "not a valid ONNX model: it has no graph";
  return success();
}

LogicalResult OnnxImporter::parseConvertingInitializers(
    google::protobuf::io::ZeroCopyInputStream &stream, onnx::ModelProto &model) {
  // Each initializer is converted as soon as it has been read and its bytes
  // are dropped right away, so the weights are in memory about once: parsing
  // the whole message first would hold every weight twice while converting.
  // Everything else is copied aside field by field and parsed normally.
  using google::protobuf::internal::WireFormatLite;
  auto isMessageField = [](uint32_t tag, int number) {
    return WireFormatLite::GetTagFieldNumber(tag) == number &&
           WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  };
  auto corrupt = [&]() {
    return emitFileError() << "not a valid ONNX model: protobuf parsing failed "
                              "(the file is corrupt, truncated or not ONNX)";
  };
  google::protobuf::io::CodedInputStream input(&stream);
  input.SetTotalBytesLimit(INT_MAX);
  std::string modelFields, graphFields;
  bool hasGraph = false;
  {
    google::protobuf::io::StringOutputStream modelBytes(&modelFields);
    google::protobuf::io::CodedOutputStream modelOutput(&modelBytes);
    google::protobuf::io::StringOutputStream graphBytes(&graphFields);
    google::protobuf::io::CodedOutputStream graphOutput(&graphBytes);
    while (uint32_t tag = input.ReadTag()) {
      if (!isMessageField(tag, onnx::ModelProto::kGraphFieldNumber)) {
        if (!WireFormatLite::SkipField(&input, tag, &modelOutput))
          return corrupt();
        continue;
      }
      hasGraph = true;
      uint32_t graphLength;
      if (!input.ReadVarint32(&graphLength))
        return corrupt();
      auto graphLimit = input.PushLimit(static_cast<int>(graphLength));
      while (uint32_t graphTag = input.ReadTag()) {
        if (!isMessageField(graphTag, onnx::GraphProto::kInitializerFieldNumber)) {
          if (!WireFormatLite::SkipField(&input, graphTag, &graphOutput))
            return corrupt();
          continue;
        }
        uint32_t tensorLength;
        if (!input.ReadVarint32(&tensorLength))
          return corrupt();
        auto tensorLimit = input.PushLimit(static_cast<int>(tensorLength));
        onnx::TensorProto tensor;
        if (!tensor.MergeFromCodedStream(&input) || !input.ConsumedEntireMessage())
          return corrupt();
        input.PopLimit(tensorLimit);
        if (failed(convertInitializer(tensor)))
          return failure();
      }
      if (!input.ConsumedEntireMessage())
        return corrupt();
      input.PopLimit(graphLimit);
    }
    if (!input.ConsumedEntireMessage())
      return corrupt();
  }
  if (!model.ParseFromString(modelFields) ||
      (hasGraph && !model.mutable_graph()->MergeFromString(graphFields)))
    return corrupt();
  return success();
}

LogicalResult OnnxImporter::convertInitializer(const onnx::TensorProto &tensor) {
  Location loc = NameLoc::get(StringAttr::get(&context, tensor.name()), fileLoc);
  FailureOr<ElementsAttr> value = convertTensor(tensor, loc);
  if (failed(value))
    return failure();
  initializers.push_back({tensor.name(), *value});
  return success();
}

LogicalResult OnnxImporter::readJsonModel(StringRef text, onnx::ModelProto &model) {
  // Self-contained test models are protobuf JSON with lit's RUN/CHECK lines
  // as `//` comments, which JSON does not allow; drop those lines first.
  std::string json;
  for (StringRef line : llvm::split(text, '\n'))
    if (!line.ltrim().starts_with("//"))
      json.append(line.begin(), line.end()).push_back('\n');
  google::protobuf::util::Status status = google::protobuf::util::JsonStringToMessage(json, &model);
  if (!status.ok())
    return emitFileError() << "not a valid ONNX JSON model: " << status.message().as_string();
  if (!model.has_graph())
    return emitFileError() << "not a valid ONNX model: it has no graph";
  return success();
}

LogicalResult OnnxImporter::checkOpsets(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &opsetId : model.opset_import())
    if (isDefaultDomain(opsetId.domain()))
      opset = opsetId.version();
  if (opset == 0)
    return emitFileError() << "model imports no version of the default ONNX domain";
  if (opset < kMinOpset || opset > kMaxOpset)
    return emitFileError() << "opset " << opset << " is not supported (supported: "
                           << kMinOpset << " to " << kMaxOpset << ")";
  return success();
}

LogicalResult OnnxImporter::importInitializers(onnx::GraphProto &graph) {
  // Initializers left in the message (the JSON path) convert here; binary
  // models had theirs converted while being read.
  for (const onnx::TensorProto &tensor : graph.initializer())
    if (failed(convertInitializer(tensor)))
      return failure();
  graph.clear_initializer();
  for (const auto &[name, value] : initializers) {
    Location loc = NameLoc::get(StringAttr::get(&context, name), fileLoc);
    values[name] = ConstantOp::create(builder, loc, value);
  }
  return success();
}

FailureOr<SmallVector<int64_t>>
OnnxImporter::resolveInputShape(const onnx::ValueInfoProto &input) {
  auto fail = [&]() { return emitFileError() << "graph input '" << input.name() << "': "; };
  if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape())
    return fail() << "has no tensor shape";
  const auto &dims = input.type().tensor_type().shape().dim();
  if (dims.size() > kMaxRank)
    return fail() << "rank " << dims.size() << " is more than the limit of " << kMaxRank;
  SmallVector<int64_t> shape;
  for (int i = 0; i < dims.size(); ++i) {
    // By the convention of every BERT export, axis 0 is the batch and axis 1
    // the sequence; the command line fixes them.
    std::optional<int64_t> requested =
        i == 0 ? options.batchSize : (i == 1 ? options.sequenceLength : std::nullopt);
    StringRef flag = i == 0 ? "--batch" : "--seq-len";
    if (dims[i].has_dim_value()) {
      int64_t dim = dims[i].dim_value();
      if (dim < 0 || dim > kMaxTensorElements)
        return fail() << "dimension " << i << " has invalid size " << dim;
      if (requested && *requested != dim)
        return fail() << "the model fixes dimension " << i << " to " << dim << ", but "
                      << flag << "=" << *requested << " was requested";
      shape.push_back(dim);
      continue;
    }
    if (!requested) {
      if (i == 0) {
        shape.push_back(1);
        continue;
      }
      return fail() << "dimension " << i << " ('" << dims[i].dim_param()
                    << "') is symbolic; give its size with "
                    << (i == 1 ? "--seq-len" : "a model with static shapes");
    }
    shape.push_back(*requested);
  }
  int64_t count = 1;
  for (int64_t dim : shape)
    if (dim != 0 && llvm::MulOverflow(count, dim, count))
      return fail() << "shape overflows";
  if (count > kMaxTensorElements)
    return fail() << "shape has more than the limit of " << kMaxTensorElements
                  << " elements per tensor";
  return shape;
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &node) {
  static const llvm::StringMap<NodeHandler> handlers = createNodeHandlers();
  if (!isDefaultDomain(node.domain()))
    return emitNodeError(node) << "operator domain '" << node.domain()
                               << "' is not supported (only the default ONNX domain)";
  auto found = handlers.find(node.op_type());
  if (found == handlers.end())
    return emitNodeError(node) << "unsupported operator " << node.op_type() << " (domain ai.onnx, opset "
                               << opset << ")";
  if (node.input_size() > limits::kMaxNodeEdges || node.output_size() > limits::kMaxNodeEdges)
    return emitNodeError(node) << "has " << node.input_size() << " inputs and "
                               << node.output_size() << " outputs, more than the limit of "
                               << limits::kMaxNodeEdges;
  // ONNX graphs are in SSA form; a second definition of a name would make
  // later nodes (or the graph's outputs) read a different tensor.
  for (const std::string &output : node.output())
    if (!output.empty() && values.count(output))
      return emitNodeError(node) << "output '" << output
                                 << "' is already defined by a graph input, an initializer or "
                                    "an earlier node";
  SmallVector<Value> operands;
  for (const std::string &input : node.input()) {
    if (input.empty()) {
      operands.push_back(Value());
      continue;
    }
    auto value = values.find(input);
    if (value == values.end())
      return emitNodeError(node) << "input '" << input
                                 << "' is not produced by an earlier node, an initializer or a graph input";
    operands.push_back(value->second);
  }
  // Trailing absent optional inputs are the same as not listing them.
  while (!operands.empty() && !operands.back())
    operands.pop_back();
  SmallVector<Value> results;
  if (failed(found->second(*this, node, operands, results)))
    return failure();
  if (results.size() < static_cast<size_t>(llvm::count_if(node.output(), [](const std::string &o) {
        return !o.empty();
      })))
    return emitNodeError(node) << "produces " << results.size() << " results, the node names "
                               << node.output_size();
  for (auto [name, value] : llvm::zip(node.output(), results))
    if (!name.empty())
      values[name] = value;
  return success();
}

LogicalResult OnnxImporter::importOutputs(const onnx::GraphProto &graph, func::FuncOp func,
                                          ModelSignature &signature) {
  SmallVector<Value> results;
  llvm::StringSet<> outputNames;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto fail = [&]() { return emitFileError() << "graph output '" << output.name() << "': "; };
    if (!outputNames.insert(output.name()).second)
      return fail() << "is listed twice";
    auto value = values.find(output.name());
    if (value == values.end())
      return fail() << "is not produced by any node";
    auto type = dyn_cast<RankedTensorType>(value->second.getType());
    if (!type || !type.hasStaticShape())
      return fail() << "its shape could not be determined statically (got "
                    << value->second.getType() << ")";
    if (output.type().has_tensor_type()) {
      const onnx::TypeProto_Tensor &declared = output.type().tensor_type();
      Type declaredElement = getElementType(&context, declared.elem_type());
      if (declared.elem_type() != 0 && declaredElement != type.getElementType())
        return fail() << "declared as " << getDataTypeName(declared.elem_type())
                      << " but computes " << type.getElementType();
      if (declared.has_shape()) {
        if (declared.shape().dim_size() != type.getRank())
          return fail() << "declared rank " << declared.shape().dim_size() << " but computes "
                        << type;
        for (int i = 0; i < declared.shape().dim_size(); ++i)
          if (declared.shape().dim(i).has_dim_value() &&
              declared.shape().dim(i).dim_value() != type.getDimSize(i))
            return fail() << "declared dimension " << i << " = "
                          << declared.shape().dim(i).dim_value() << " but computes " << type;
      }
    }
    int32_t dataType = getOnnxDataType(type.getElementType());
    signature.outputs.push_back(
        {output.name(), dataType,
         std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
         /*allowedValues=*/std::nullopt, /*sequenceAxis=*/std::nullopt});
    results.push_back(value->second);
  }
  if (results.empty())
    return emitFileError() << "the graph has no outputs";
  func::ReturnOp::create(builder, fileLoc, results);
  SmallVector<Type> argumentTypes(func.getArgumentTypes());
  func.setType(builder.getFunctionType(argumentTypes, ValueRange(results).getTypes()));
  return success();
}

OwningOpRef<ModuleOp> OnnxImporter::run() {
  context.loadDialect<OnnxDialect, func::FuncDialect, mbert::model::MBertDialect>();
  onnx::ModelProto model;
  if (failed(readModel(model)) || failed(checkOpsets(model)))
    return {};
  const onnx::GraphProto &graph = model.graph();
  if (graph.node_size() > limits::kMaxNodes)
    return emitFileError() << "the graph has " << graph.node_size()
                           << " nodes, more than the limit of " << limits::kMaxNodes,
           nullptr;

  OwningOpRef<ModuleOp> owner = ModuleOp::create(fileLoc);
  module = *owner;
  builder.setInsertionPointToEnd(module.getBody());
  ModelSignature signature;
  signature.modelName = options.modelName;

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());
  for (const auto &initializer : initializers)
    initializerNames.insert(initializer.first);
  SmallVector<Type> argumentTypes;
  SmallVector<const onnx::ValueInfoProto *> graphInputs;
  llvm::StringSet<> inputNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (!inputNames.insert(input.name()).second)
      return emitFileError() << "graph input '" << input.name() << "' is listed twice", nullptr;
    if (initializerNames.contains(input.name())) {
      // Before IR version 4 every initializer is also listed as an input.
      // Since then such an input is one whose initializer is only a default
      // the caller may override; a compiled model has no way to, and making
      // it a constant would silently drop an input the app expects to pass.
      if (model.ir_version() >= 4)
        return emitFileError() << "graph input '" << input.name()
                               << "' also has an initializer (a default value the caller may "
                                  "override), which mbert does not support; remove the "
                                  "initializer or the input (torch.onnx: "
                                  "keep_initializers_as_inputs=False)",
               nullptr;
      continue;
    }
    FailureOr<SmallVector<int64_t>> shape = resolveInputShape(input);
    if (failed(shape))
      return {};
    int32_t dataType = input.type().tensor_type().elem_type();
    Type elementType = getElementType(&context, dataType);
    if (!elementType)
      return emitFileError() << "graph input '" << input.name() << "': unsupported data type "
                             << getDataTypeName(dataType),
             nullptr;
    argumentTypes.push_back(RankedTensorType::get(*shape, elementType));
    signature.inputs.push_back({input.name(), dataType,
                                std::vector<int64_t>(shape->begin(), shape->end()),
                                /*allowedValues=*/std::nullopt, /*sequenceAxis=*/std::nullopt});
    graphInputs.push_back(&input);
  }

  auto func = func::FuncOp::create(builder, fileLoc, getEntryFunctionName(options.modelName),
                                   builder.getFunctionType(argumentTypes, {}));
  Block *body = func.addEntryBlock();
  for (auto [argument, input] : llvm::zip(func.getArguments(), graphInputs)) {
    argument.setLoc(NameLoc::get(StringAttr::get(&context, input->name()), fileLoc));
    mbert::model::setEntryArgumentKind(func, argument.getArgNumber(),
                                       mbert::model::EntryArgumentKind::Input);
    values[input->name()] = argument;
  }
  builder.setInsertionPointToEnd(body);

  if (failed(importInitializers(*model.mutable_graph())))
    return {};
  for (const onnx::NodeProto &node : graph.node()) {
    if (failed(importNode(node)))
      return {};
    ++nodeIndex;
  }
  if (failed(importOutputs(graph, func, signature)))
    return {};
  setModelSignature(module, signature);
  return owner;
}

} // namespace

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context, StringRef path,
                                      const ImportOptions &options) {
  OnnxImporter importer(context, path, /*contents=*/std::nullopt, options);
  return importer.run();
}

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context, llvm::MemoryBufferRef model,
                                      const ImportOptions &options) {
  OnnxImporter importer(context, model.getBufferIdentifier(), model.getBuffer(), options);
  return importer.run();
}

} // namespace mbert
