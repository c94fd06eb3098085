//===- OnnxModelMutator.cpp - structure-aware mutations of ModelProtos ----===//
//
// libprotobuf-mutator is not packaged for Debian 12, so mbert-fuzz-onnx-structured
// mutates the parsed message itself: each step parses the input as a
// ModelProto, changes one thing a model author (or an attacker) controls, and
// serializes it again, so that the compiler sees well-formed protobuf whose
// content is wrong in one place: dimensions, data types, attributes, edges
// between nodes, node order, operator types, opsets, tensor contents and
// external data references. Inputs that do not parse, and one step in eight,
// get libFuzzer's byte mutations instead.
//
//===----------------------------------------------------------------------===//

#include "FuzzExternalData.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

/// The operators the importer translates, so that op type mutations mostly
/// reach a handler.
const char *const kOpTypes[] = {
    "Add",     "Cast",    "Concat",  "Constant",  "ConstantOfShape", "Div",    "Dropout",
    "Equal",   "Expand",  "Gather",  "Gemm",      "Identity",        "LayerNormalization",
    "MatMul",  "Mul",     "Pad",     "Pow",       "ReduceMean",      "Relu",   "Reshape",
    "Shape",   "Slice",   "Softmax", "Split",     "Sqrt",            "Squeeze", "Sub",
    "Transpose", "Unsqueeze", "Where", "Erf",     "Tanh"};

/// Attribute names those operators read.
const char *const kAttributeNames[] = {
    "axis", "axes",  "perm", "to",      "keepdims", "epsilon", "split",  "starts",     "ends",
    "alpha", "beta", "transA", "transB", "value",   "mode",    "seed",   "ratio",      "stash_type",
    "saturate", "allowzero", "value_float", "value_int", "value_floats", "value_ints",
    "noop_with_empty_axes"};

class ModelMutator {
public:
  ModelMutator(onnx::ModelProto &model, unsigned seed) : model(model), random(seed) {}

  /// Applies one mutation; false when the kind chosen had nothing to act on.
  bool mutate() {
    switch (pick(10)) {
    case 0:
      return mutateDimension();
    case 1:
      return mutateDataType();
    case 2:
    case 3:
      return mutateAttribute();
    case 4:
      return mutateEdge();
    case 5:
      return mutateNodeList();
    case 6:
      return mutateOpType();
    case 7:
      return mutateOpset();
    case 8:
      return mutateTensorData();
    default:
      return mutateExternalData();
    }
  }

private:
  size_t pick(size_t count) {
    return std::uniform_int_distribution<size_t>(0, count - 1)(random);
  }
  bool oneIn(size_t count) { return pick(count) == 0; }
  template <typename T> T &pickFrom(std::vector<T> &items) { return items[pick(items.size())]; }

  /// Boundary values for sizes, indices and axes, or a neighbour of `current`.
  int64_t getInterestingInt(int64_t current) {
    static const int64_t values[] = {0,
                                     1,
                                     -1,
                                     2,
                                     3,
                                     -2,
                                     4,
                                     7,
                                     8,
                                     16,
                                     127,
                                     128,
                                     255,
                                     256,
                                     1024,
                                     65535,
                                     std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int32_t>::min(),
                                     int64_t(1) << 31,
                                     (int64_t(1) << 32) + 1,
                                     int64_t(1) << 40,
                                     std::numeric_limits<int64_t>::max(),
                                     std::numeric_limits<int64_t>::min()};
    switch (pick(4)) {
    case 0:
      return static_cast<int64_t>(static_cast<uint64_t>(current) + 1);
    case 1:
      return static_cast<int64_t>(static_cast<uint64_t>(current) - 1);
    default:
      return values[pick(std::size(values))];
    }
  }

  float getInterestingFloat() {
    static const float values[] = {0.0f,
                                   -0.0f,
                                   1.0f,
                                   -1.0f,
                                   1e-12f,
                                   -10000.0f,
                                   std::numeric_limits<float>::lowest(),
                                   std::numeric_limits<float>::max(),
                                   std::numeric_limits<float>::denorm_min(),
                                   std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity(),
                                   std::numeric_limits<float>::quiet_NaN()};
    return values[pick(std::size(values))];
  }

  /// A value name: usually one the graph already has, so edges stay plausible.
  std::string getValueName() {
    std::vector<std::string> names;
    const onnx::GraphProto &graph = model.graph();
    for (const onnx::ValueInfoProto &input : graph.input())
      names.push_back(input.name());
    for (const onnx::TensorProto &initializer : graph.initializer())
      names.push_back(initializer.name());
    for (const onnx::NodeProto &node : graph.node())
      for (const std::string &output : node.output())
        names.push_back(output);
    if (names.empty() || oneIn(8))
      return oneIn(2) ? std::string() : "fuzz_" + std::to_string(pick(4));
    return pickFrom(names);
  }

  /// Every tensor the model stores: initializers and Constant node values.
  std::vector<onnx::TensorProto *> getTensors() {
    std::vector<onnx::TensorProto *> tensors;
    onnx::GraphProto &graph = *model.mutable_graph();
    for (onnx::TensorProto &initializer : *graph.mutable_initializer())
      tensors.push_back(&initializer);
    for (onnx::NodeProto &node : *graph.mutable_node())
      for (onnx::AttributeProto &attribute : *node.mutable_attribute())
        if (attribute.has_t())
          tensors.push_back(attribute.mutable_t());
    return tensors;
  }

  /// Every declared type of a graph input, output or intermediate value.
  std::vector<onnx::TypeProto_Tensor *> getDeclaredTypes() {
    std::vector<onnx::TypeProto_Tensor *> types;
    onnx::GraphProto &graph = *model.mutable_graph();
    for (auto *infos : {graph.mutable_input(), graph.mutable_output(), graph.mutable_value_info()})
      for (onnx::ValueInfoProto &info : *infos)
        types.push_back(info.mutable_type()->mutable_tensor_type());
    return types;
  }

  bool mutateDimension() {
    if (oneIn(2)) {
      std::vector<onnx::TypeProto_Tensor *> types = getDeclaredTypes();
      if (types.empty())
        return false;
      onnx::TensorShapeProto &shape = *pickFrom(types)->mutable_shape();
      if (shape.dim_size() == 0 || oneIn(6)) {
        shape.add_dim()->set_dim_value(getInterestingInt(1));
        return true;
      }
      if (oneIn(6)) {
        shape.mutable_dim()->RemoveLast();
        return true;
      }
      onnx::TensorShapeProto_Dimension &dim = *shape.mutable_dim(pick(shape.dim_size()));
      if (oneIn(4))
        dim.set_dim_param(oneIn(2) ? "batch" : "sequence");
      else
        dim.set_dim_value(getInterestingInt(dim.dim_value()));
      return true;
    }
    std::vector<onnx::TensorProto *> tensors = getTensors();
    if (tensors.empty())
      return false;
    onnx::TensorProto &tensor = *pickFrom(tensors);
    if (tensor.dims_size() == 0 || oneIn(6)) {
      tensor.add_dims(getInterestingInt(1));
      return true;
    }
    if (oneIn(6)) {
      tensor.mutable_dims()->RemoveLast();
      return true;
    }
    int index = pick(tensor.dims_size());
    tensor.set_dims(index, getInterestingInt(tensor.dims(index)));
    return true;
  }

  int32_t getDataType() {
    // Valid ONNX types (1..23) and a few that are not.
    return oneIn(8) ? static_cast<int32_t>(getInterestingInt(0)) : static_cast<int32_t>(pick(24));
  }

  bool mutateDataType() {
    if (oneIn(2)) {
      std::vector<onnx::TypeProto_Tensor *> types = getDeclaredTypes();
      if (types.empty())
        return false;
      pickFrom(types)->set_elem_type(getDataType());
      return true;
    }
    std::vector<onnx::TensorProto *> tensors = getTensors();
    if (tensors.empty())
      return false;
    pickFrom(tensors)->set_data_type(getDataType());
    return true;
  }

  onnx::NodeProto *pickNode() {
    onnx::GraphProto &graph = *model.mutable_graph();
    if (graph.node_size() == 0)
      return nullptr;
    return graph.mutable_node(pick(graph.node_size()));
  }

  bool mutateAttribute() {
    onnx::NodeProto *node = pickNode();
    if (!node)
      return false;
    if (node->attribute_size() == 0 || oneIn(6)) {
      onnx::AttributeProto &attribute = *node->add_attribute();
      attribute.set_name(kAttributeNames[pick(std::size(kAttributeNames))]);
      if (oneIn(2)) {
        attribute.set_type(onnx::AttributeProto::INT);
        attribute.set_i(getInterestingInt(0));
      } else {
        attribute.set_type(onnx::AttributeProto::INTS);
        for (size_t i = pick(4); i > 0; --i)
          attribute.add_ints(getInterestingInt(0));
      }
      return true;
    }
    int index = pick(node->attribute_size());
    onnx::AttributeProto &attribute = *node->mutable_attribute(index);
    switch (pick(8)) {
    case 0:
      node->mutable_attribute()->DeleteSubrange(index, 1);
      return true;
    case 1:
      attribute.set_name(kAttributeNames[pick(std::size(kAttributeNames))]);
      return true;
    case 2:
      // A type that disagrees with the value actually stored.
      attribute.set_type(static_cast<onnx::AttributeProto::AttributeType>(pick(15)));
      return true;
    case 3:
      attribute.set_f(getInterestingFloat());
      return true;
    default:
      break;
    }
    if (attribute.ints_size() > 0 && !oneIn(4)) {
      if (oneIn(4))
        attribute.add_ints(getInterestingInt(0));
      else if (oneIn(4))
        attribute.mutable_ints()->RemoveLast();
      else {
        int element = pick(attribute.ints_size());
        attribute.set_ints(element, getInterestingInt(attribute.ints(element)));
      }
      return true;
    }
    attribute.set_i(getInterestingInt(attribute.i()));
    return true;
  }

  bool mutateEdge() {
    onnx::GraphProto &graph = *model.mutable_graph();
    if (oneIn(5) && graph.output_size() > 0) {
      onnx::ValueInfoProto &output = *graph.mutable_output(pick(graph.output_size()));
      if (oneIn(4))
        *graph.add_output() = output; // declared twice
      else
        output.set_name(getValueName());
      return true;
    }
    if (oneIn(6) && graph.input_size() > 0) {
      if (oneIn(2))
        graph.mutable_input()->DeleteSubrange(pick(graph.input_size()), 1);
      else
        graph.mutable_input(pick(graph.input_size()))->set_name(getValueName());
      return true;
    }
    onnx::NodeProto *node = pickNode();
    if (!node)
      return false;
    if (oneIn(4) && node->output_size() > 0) {
      node->set_output(pick(node->output_size()), getValueName());
      return true;
    }
    if (node->input_size() == 0 || oneIn(6)) {
      node->add_input(getValueName());
      return true;
    }
    if (oneIn(6)) {
      node->mutable_input()->RemoveLast();
      return true;
    }
    node->set_input(pick(node->input_size()), getValueName());
    return true;
  }

  bool mutateNodeList() {
    onnx::GraphProto &graph = *model.mutable_graph();
    int count = graph.node_size();
    if (count == 0)
      return false;
    int index = pick(count);
    switch (pick(3)) {
    case 0:
      graph.mutable_node()->SwapElements(index, pick(count));
      return true;
    case 1:
      graph.mutable_node()->DeleteSubrange(index, 1);
      return true;
    default: {
      // The copy goes last; its outputs then redefine values used earlier.
      onnx::NodeProto copy = graph.node(index);
      *graph.add_node() = copy;
      return true;
    }
    }
  }

  bool mutateOpType() {
    onnx::NodeProto *node = pickNode();
    if (!node)
      return false;
    if (oneIn(8))
      node->set_domain(oneIn(2) ? "com.microsoft" : "ai.onnx");
    else
      node->set_op_type(kOpTypes[pick(std::size(kOpTypes))]);
    return true;
  }

  bool mutateOpset() {
    if (oneIn(4)) {
      model.set_ir_version(getInterestingInt(model.ir_version()));
      return true;
    }
    if (model.opset_import_size() == 0 || oneIn(6)) {
      onnx::OperatorSetIdProto &opset = *model.add_opset_import();
      opset.set_domain(oneIn(2) ? "" : "com.microsoft");
      opset.set_version(9 + pick(12));
      return true;
    }
    onnx::OperatorSetIdProto &opset = *model.mutable_opset_import(pick(model.opset_import_size()));
    // Mostly a neighbouring opset: the handlers' behaviour changes at 13.
    opset.set_version(oneIn(4) ? getInterestingInt(opset.version()) : 9 + pick(12));
    return true;
  }

  bool mutateTensorData() {
    std::vector<onnx::TensorProto *> tensors = getTensors();
    if (tensors.empty())
      return false;
    onnx::TensorProto &tensor = *pickFrom(tensors);
    switch (pick(5)) {
    case 0:
      // Raw bytes one element short or long, or cut anywhere.
      if (tensor.has_raw_data()) {
        std::string raw = tensor.raw_data();
        raw.resize(oneIn(2) ? pick(raw.size() + 1) : raw.size() + 1 + pick(8));
        tensor.set_raw_data(raw);
        return true;
      }
      tensor.add_float_data(getInterestingFloat());
      return true;
    case 1:
      // Both a raw and a typed representation.
      tensor.add_int64_data(getInterestingInt(0));
      tensor.add_int32_data(static_cast<int32_t>(getInterestingInt(0)));
      return true;
    case 2: {
      // Special values (indices, NaNs, infinities) written over the bytes.
      if (!tensor.has_raw_data() || tensor.raw_data().empty())
        return false;
      std::string raw = tensor.raw_data();
      int64_t intValue = getInterestingInt(0);
      float floatValue = getInterestingFloat();
      bool writesInt = oneIn(2);
      const void *source = writesInt ? static_cast<const void *>(&intValue) : &floatValue;
      size_t offset = pick(raw.size());
      size_t width = writesInt ? sizeof(intValue) : sizeof(floatValue);
      std::memcpy(&raw[offset], source, std::min(raw.size() - offset, width));
      tensor.set_raw_data(raw);
      return true;
    }
    case 3:
      tensor.set_name(getValueName());
      return true;
    default:
      tensor.clear_raw_data();
      tensor.clear_float_data();
      tensor.clear_int64_data();
      tensor.clear_int32_data();
      return true;
    }
  }

  /// Moves a tensor's bytes into the external data file, or damages the
  /// reference of one that is there already.
  bool mutateExternalData() {
    std::vector<onnx::TensorProto *> tensors = getTensors();
    if (tensors.empty())
      return false;
    onnx::TensorProto &tensor = *pickFrom(tensors);
    auto addEntry = [&](const std::string &key, const std::string &value) {
      onnx::StringStringEntryProto &entry = *tensor.add_external_data();
      entry.set_key(key);
      entry.set_value(value);
    };
    if (tensor.data_location() != onnx::TensorProto::EXTERNAL || oneIn(4)) {
      tensor.clear_raw_data();
      tensor.clear_float_data();
      tensor.clear_int64_data();
      tensor.clear_int32_data();
      tensor.clear_external_data();
      tensor.set_data_location(onnx::TensorProto::EXTERNAL);
      addEntry("location", mbert::fuzz::kExternalDataFile);
      addEntry("offset", std::to_string(pick(mbert::fuzz::kExternalDataBytes / 16) * 16));
      return true;
    }
    static const char *const locations[] = {
        "missing.bin", "../weights.bin", "/dev/zero", ".", "", "./weights.bin",
        "sub/../weights.bin"};
    static const char *const keys[] = {"location", "offset", "length", "checksum", "other"};
    switch (pick(3)) {
    case 0:
      addEntry(keys[pick(std::size(keys))], std::to_string(getInterestingInt(0)));
      return true;
    case 1:
      addEntry("location", locations[pick(std::size(locations))]);
      return true;
    default:
      if (tensor.external_data_size() == 0)
        return false;
      tensor.mutable_external_data(pick(tensor.external_data_size()))
          ->set_value(std::to_string(getInterestingInt(mbert::fuzz::kExternalDataBytes)));
      return true;
    }
  }

  onnx::ModelProto &model;
  std::minstd_rand random;
};

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  onnx::ModelProto model;
  if (seed % 8 == 0 || !model.ParseFromArray(data, static_cast<int>(size)) || !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  ModelMutator mutator(model, seed);
  bool mutated = false;
  for (int attempt = 0; attempt < 8 && !mutated; ++attempt)
    mutated = mutator.mutate();
  std::string bytes;
  if (!mutated || !model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
