//===- HeaderWriter.cpp - the C header of a compiled model ----------------===//
//
// Tensor names come from the model file, which may come from anyone: they can
// hold "*/", newlines, C keywords, or collide once reduced to identifier
// characters. Every name therefore appears in the header only escaped inside
// a comment or as an identifier made here, unique among the header's own.
//
//===----------------------------------------------------------------------===//

#include "mbert/Target/Target.h"

#include "dialects/MBert/EntryPoint.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

namespace mbert {
namespace {

using llvm::SmallVector;

/// `text` for the inside of a C comment: printable ASCII stays, other bytes
/// and the characters that could end the comment or form a trigraph ('*',
/// '?', '\') become \xNN.
std::string escapeForComment(llvm::StringRef text) {
  std::string escaped;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '*' && c != '?' && c != '\\') {
      escaped.push_back(static_cast<char>(c));
      continue;
    }
    escaped += "\\x";
    escaped.push_back(llvm::hexdigit(c >> 4, /*LowerCase=*/true));
    escaped.push_back(llvm::hexdigit(c & 15, /*LowerCase=*/true));
  }
  return escaped;
}

/// Keywords of C11 and C++ (the header is included from both), and the
/// macros <stdbool.h> defines.
bool isReservedWord(llvm::StringRef word) {
  static const llvm::StringSet<> words = {
      "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary",
      "_Noreturn", "_Static_assert", "_Thread_local", "alignas", "alignof", "and", "and_eq",
      "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char", "char8_t",
      "char16_t", "char32_t", "class", "co_await", "co_return", "co_yield", "compl", "concept",
      "const", "const_cast", "consteval", "constexpr", "constinit", "continue", "decltype",
      "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export",
      "extern", "false", "float", "for", "friend", "goto", "if", "inline", "int", "long",
      "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
      "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires",
      "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
      "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true",
      "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void",
      "volatile", "wchar_t", "while", "xor", "xor_eq"};
  return words.contains(word);
}

/// Hands out identifiers that are unique among those it gave before.
class IdentifierTable {
public:
  /// `candidate`, or `candidate` with the first free suffix _2, _3, ...
  std::string claim(const std::string &candidate) {
    std::string identifier = candidate;
    for (int suffix = 2; !used.insert(identifier).second; ++suffix)
      identifier = candidate + "_" + std::to_string(suffix);
    return identifier;
  }

private:
  llvm::StringSet<> used;
};

/// Upper-case identifier characters for macro names built from tensor names
/// such as "input_ids" or "onnx::Add_12".
std::string toMacroName(llvm::StringRef name) {
  std::string macro;
  for (char c : name)
    macro.push_back(llvm::isAlnum(c) ? llvm::toUpper(c) : '_');
  return macro;
}

/// C parameter name of the tensor at `index`. The name is kept when it is
/// plainly safe: it starts with a lowercase letter (so it cannot be one of
/// the upper-case macros of the standard headers), is no keyword, and does
/// not end in _t (so it cannot shadow a type of the prototype such as
/// int64_t or mbert_pool_t). Otherwise it gets a "t<index>_" prefix.
std::string toParameterName(llvm::StringRef name, size_t index) {
  std::string parameter;
  for (char c : name)
    parameter.push_back(llvm::isAlnum(c) ? c : '_');
  llvm::StringRef candidate(parameter);
  bool safe = !candidate.empty() && llvm::isLower(candidate.front()) &&
              !isReservedWord(candidate) && !candidate.ends_with("_t");
  if (!safe)
    parameter = "t" + std::to_string(index) + "_" + parameter;
  return parameter;
}

std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  return "[" + llvm::join(llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }), ", ") +
         "]";
}

} // namespace

mlir::LogicalResult writeModelHeader(const ModelSignature &signature, llvm::raw_ostream &os,
                                     bool declaresVocabulary, std::string &errorMessage) {
  std::string name = signature.modelName;
  std::string upper = toMacroName(name);
  std::string guard = upper + "_H";

  // Identifiers first, so that a failure writes nothing.
  struct TensorNames {
    std::string macroPrefix, parameter;
    uint64_t elements;
  };
  std::vector<TensorNames> names;
  IdentifierTable macroPrefixes, parameters;
  parameters.claim("workspace");
  parameters.claim("pool");
  parameters.claim("sequence_length");
  size_t index = 0;
  for (const std::vector<TensorSignature> *tensors : {&signature.inputs, &signature.outputs})
    for (const TensorSignature &tensor : *tensors) {
      uint64_t elements = 1;
      for (int64_t dim : tensor.shape) {
        if (dim < 0 || (dim != 0 && elements > UINT64_MAX / static_cast<uint64_t>(dim))) {
          errorMessage = "tensor '" + escapeForComment(tensor.name) + "' of shape " +
                         formatShape(tensor.shape) + " has more elements than 64 bits count";
          return mlir::failure();
        }
        elements *= static_cast<uint64_t>(dim);
      }
      names.push_back({macroPrefixes.claim(upper + "_" + toMacroName(tensor.name)),
                       parameters.claim(toParameterName(tensor.name, index++)), elements});
    }

  os << "/* " << name << ".h: generated by mbert-compile; do not edit.\n"
     << " *\n"
     << " * Link " << name << ".o with libmbert_runtime.a built for the same target.\n"
     << " * The caller owns every buffer: inputs, outputs and a workspace of\n"
     << " * " << upper << "_WORKSPACE_SIZE bytes aligned to MBERT_WORKSPACE_ALIGNMENT.\n"
     << " * The generated code never allocates. See docs/ABI.md. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stdint.h>\n\n#include \"mbert_runtime.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "#define " << upper << "_WORKSPACE_SIZE " << signature.workspaceSize << "u\n"
     << "#define " << upper << "_NUM_INPUTS " << signature.inputs.size() << "\n"
     << "#define " << upper << "_NUM_OUTPUTS " << signature.outputs.size() << "\n";
  bool runTimeLength = signature.maxSequenceLength > 0;
  if (runTimeLength)
    os << "/* The entry point takes the sequence length L, 1 <= L <= this, at run time.\n"
       << " * A tensor with a _SEQUENCE_AXIS holds L positions there, densely: its _SHAPE\n"
       << " * and _ELEMENTS are those at the largest L. */\n"
       << "#define " << upper << "_MAX_SEQUENCE_LENGTH " << signature.maxSequenceLength << "\n";
  os << "\n";

  auto tensorNames = names.begin();
  auto describe = [&](llvm::StringRef kind, const std::vector<TensorSignature> &tensors) {
    for (const TensorSignature &tensor : tensors) {
      const TensorNames &identifiers = *tensorNames++;
      const std::string &prefix = identifiers.macroPrefix;
      os << "/* " << kind << " '" << escapeForComment(tensor.name)
         << "': " << getCTypeName(tensor.onnxDataType) << formatShape(tensor.shape);
      if (tensor.allowedValues)
        os << ", values in [" << tensor.allowedValues->begin << ", " << tensor.allowedValues->end
           << ")";
      if (tensor.sequenceAxis)
        os << ", axis " << *tensor.sequenceAxis << " holding the run-time length";
      os << " */\n"
         << "#define " << prefix << "_DTYPE " << tensor.onnxDataType << "\n"
         << "#define " << prefix << "_RANK " << tensor.shape.size() << "\n"
         << "#define " << prefix << "_SHAPE {"
         << llvm::join(llvm::map_range(tensor.shape, [](int64_t d) { return std::to_string(d); }),
                       ", ")
         << "}\n"
         << "#define " << prefix << "_ELEMENTS " << identifiers.elements << "u\n";
      if (tensor.sequenceAxis)
        os << "#define " << prefix << "_SEQUENCE_AXIS " << *tensor.sequenceAxis << "\n";
      if (tensor.allowedValues) {
        // An interval's ends fit int64_t; spelled so that INT64_MIN parses.
        auto literal = [](int64_t value) {
          return value == INT64_MIN ? std::string("(-9223372036854775807 - 1)")
                                    : std::to_string(value);
        };
        os << "#define " << prefix << "_LOWEST " << literal(tensor.allowedValues->begin) << "\n"
           << "#define " << prefix << "_BOUND " << literal(tensor.allowedValues->end) << "\n";
      }
      os << "\n";
    }
  };
  describe("input", signature.inputs);
  describe("output", signature.outputs);

  os << "/* Runs the model. Returns MBERT_OK or an mbert_status_t error (docs/ABI.md):\n";
  if (runTimeLength)
    os << " * MBERT_ERROR_INVALID_SEQUENCE_LENGTH unless 1 <= sequence_length <= "
       << signature.maxSequenceLength << ",\n";
  os << " * MBERT_ERROR_NULL_BUFFER, MBERT_ERROR_WORKSPACE_MISALIGNED, or\n"
     << " * MBERT_ERROR_INPUT_OUT_OF_RANGE when an input holds a value outside its\n"
     << " * [" << upper << "_<INPUT>_LOWEST, " << upper << "_<INPUT>_BOUND) (nothing is computed\n"
     << " * then); MBERT_ERROR_POOL_FAILED when the pool fails. pool may be NULL (run on\n"
     << " * the calling thread). */\n"
     << "int32_t " << name << "_run(";
  // The C signature of model::getEntryPointLayout, which the compiled entry
  // point was checked against.
  SmallVector<std::string> declarations;
  for (model::EntryArgumentSlot slot :
       model::getEntryPointLayout(signature.inputs.size(), signature.outputs.size(),
                                  runTimeLength)) {
    switch (slot.kind) {
    case model::EntryArgumentKind::Input:
      declarations.push_back("const " + getCTypeName(signature.inputs[slot.tensor].onnxDataType).str() +
                           " *" + names[slot.tensor].parameter);
      break;
    case model::EntryArgumentKind::Output:
      declarations.push_back(getCTypeName(signature.outputs[slot.tensor].onnxDataType).str() + " *" +
                           names[signature.inputs.size() + slot.tensor].parameter);
      break;
    case model::EntryArgumentKind::SequenceLength:
      declarations.push_back("int64_t sequence_length");
      break;
    case model::EntryArgumentKind::Workspace:
      declarations.push_back("void *workspace");
      break;
    case model::EntryArgumentKind::Pool:
      declarations.push_back("mbert_pool_t *pool");
      break;
    }
  }
  os << llvm::join(declarations, ", ") << ");\n\n"
     << "/* The same entry with buffers[] = inputs then outputs, in the order above";
  os << (runTimeLength ? ". */\n" : "; the\n * sequence length is not read. */\n");
  os << "int32_t " << name
     << "_run_packed(void *const *buffers, int64_t sequence_length, void *workspace,\n"
     << "    mbert_pool_t *pool);\n\n"
     << "/* Names, shapes and dtypes of the tensors, workspace size, packed entry. */\n"
     << "extern const mbert_model_t " << name << "_model;\n\n";
  if (declaresVocabulary)
    os << "/* The vocab.txt embedded by --vocab: " << name << "_vocab_size bytes, no NUL. An app\n"
       << " * creates its tokenizer from it (mbert_tokenizer.h) and ships no file:\n"
       << " *   mbert_tokenizer_create_from_memory(" << name << "_vocab, " << name
       << "_vocab_size,\n"
       << " *                                      MBERT_TOKENIZER_UNCASED, &tokenizer); */\n"
       << "extern const char " << name << "_vocab[];\n"
       << "extern const size_t " << name << "_vocab_size;\n\n";
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return mlir::success();
}

} // namespace mbert
