//===- DeferredWeights.cpp - weights written into the object last ---------===//
//
// A weight that reaches the object as an LLVM constant is held three times
// while the object is made: by the MLIR attribute it comes from, by the LLVM
// constant, and by the code generator's buffer for its section. For the full
// model that alone is three times the file.
//
// LLVM learns nothing from the values of a large weight (nothing folds loads
// from a 100 KB table), so the object is made without them: every large
// constant global becomes a range of one zero-filled, externally initialized
// pool (zeros cost the code generator nothing; "externally initialized" keeps
// the optimizer from reading them as zeros), and once the object is written
// its pool is overwritten in place with the weights' bytes. Those are taken
// from the MLIR context before translation (a blob's memory is moved out of
// it, a dense attribute's copied), so the context can go first.
//
//===----------------------------------------------------------------------===//

#include "mbert/Target/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Mangler.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;

namespace mbert {
namespace {

/// Constants of at least this many bytes are written into the object after
/// code generation; smaller ones (shape tables, polynomial coefficients) stay
/// LLVM constants that the optimizer may read.
constexpr size_t kMinDeferredBytes = 4096;

/// The bytes of a constant global's initializer, when the object can carry
/// them verbatim: a non-splat dense or dense_resource value of whole-byte
/// scalars (i1 is stored bit-packed) of at least kMinDeferredBytes. A blob
/// that owns its memory gives it up; anything else is copied.
std::optional<AsmResourceBlob> takeDeferrableBytes(LLVM::GlobalOp global) {
  auto value = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
  if (!global.getConstant() || !value)
    return std::nullopt;
  Type scalar = value.getElementType();
  if (!scalar.isIntOrFloat() || scalar.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  size_t size = value.getNumElements() * (scalar.getIntOrFloatBitWidth() / 8);
  if (size < kMinDeferredBytes)
    return std::nullopt;
  size_t alignment = global.getAlignment().value_or(1);
  if (auto dense = dyn_cast<DenseElementsAttr>(value); dense && !dense.isSplat())
    return HeapAsmResourceBlob::allocateAndCopyWithAlign(dense.getRawData(), alignment);
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  AsmResourceBlob *blob = resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob || blob->getData().size() != size)
    return std::nullopt;
  if (blob->getDeleter())
    return std::move(*blob);
  return HeapAsmResourceBlob::allocateAndCopyWithAlign(blob->getData(), alignment);
}

} // namespace

std::vector<DeferredConstant> deferLargeConstants(ModuleOp module) {
  std::vector<DeferredConstant> deferred;
  OpBuilder builder(module.getContext());
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    std::optional<AsmResourceBlob> bytes = takeDeferrableBytes(global);
    if (!bytes)
      continue;
    deferred.push_back(
        {global.getSymName().str(), std::move(*bytes), global.getAlignment().value_or(1)});
    global.removeValueAttr();
    builder.setInsertionPointToStart(builder.createBlock(&global.getInitializerRegion()));
    Value zeros = LLVM::ZeroOp::create(builder, global.getLoc(), global.getGlobalType());
    LLVM::ReturnOp::create(builder, global.getLoc(), zeros);
  }
  return deferred;
}

DeferredWeights poolDeferredConstants(llvm::Module &llvmModule,
                                      std::vector<DeferredConstant> constants) {
  DeferredWeights weights;
  if (constants.empty())
    return weights;
  uint64_t size = 0;
  uint64_t alignment = 1;
  std::vector<uint64_t> offsets;
  for (const DeferredConstant &constant : constants) {
    size = llvm::alignTo(size, constant.alignment);
    offsets.push_back(size);
    size += constant.bytes.getData().size();
    alignment = std::max(alignment, constant.alignment);
  }
  llvm::LLVMContext &context = llvmModule.getContext();
  auto *byteType = llvm::Type::getInt8Ty(context);
  auto *poolType = llvm::ArrayType::get(byteType, size);
  // Internal, so that it has a symbol to find in the object, and local to it.
  auto *pool = new llvm::GlobalVariable(
      llvmModule, poolType, /*isConstant=*/true, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantAggregateZero::get(poolType), "mbert_weights");
  pool->setAlignment(llvm::Align(alignment));
  pool->setExternallyInitialized(true);
  for (auto [constant, offset] : llvm::zip_equal(constants, offsets)) {
    llvm::GlobalVariable *global =
        llvmModule.getGlobalVariable(constant.name, /*AllowInternal=*/true);
    global->replaceAllUsesWith(llvm::ConstantExpr::getInBoundsGetElementPtr(
        byteType, pool, llvm::ConstantInt::get(llvm::Type::getInt64Ty(context), offset)));
    global->eraseFromParent();
    weights.pieces.emplace_back(offset, std::move(constant.bytes));
  }
  llvm::SmallString<64> symbol;
  llvm::Mangler().getNameWithPrefix(symbol, pool, /*CannotUsePrivateLabel=*/true);
  weights.symbol = symbol.str().str();
  return weights;
}

LogicalResult writeDeferredWeights(StringRef objectPath, const DeferredWeights &weights,
                                   std::string &errorMessage) {
  if (weights.pieces.empty())
    return success();
  auto fail = [&](const llvm::Twine &problem) {
    errorMessage = (objectPath + ": cannot write the weights into the object: " + problem).str();
    return failure();
  };
  uint64_t poolOffset = 0;
  {
    auto binary = llvm::object::ObjectFile::createObjectFile(objectPath);
    if (!binary)
      return fail(llvm::toString(binary.takeError()));
    const llvm::object::ObjectFile &object = *binary->getBinary();
    std::optional<uint64_t> found;
    for (const llvm::object::SymbolRef &symbol : object.symbols()) {
      llvm::Expected<StringRef> name = symbol.getName();
      if (!name) {
        llvm::consumeError(name.takeError());
        continue;
      }
      if (*name != weights.symbol)
        continue;
      llvm::Expected<llvm::object::section_iterator> section = symbol.getSection();
      llvm::Expected<uint64_t> address = symbol.getAddress();
      if (!section || !address || *section == object.section_end()) {
        if (!section)
          llvm::consumeError(section.takeError());
        if (!address)
          llvm::consumeError(address.takeError());
        return fail("the symbol " + weights.symbol + " has no section");
      }
      llvm::Expected<StringRef> contents = (*section)->getContents();
      if ((*section)->isVirtual() || !contents) {
        if (!contents)
          llvm::consumeError(contents.takeError());
        return fail("the section of " + weights.symbol + " has no bytes in the file");
      }
      uint64_t offsetInSection = *address - (*section)->getAddress();
      const DeferredWeights::Piece &last = weights.pieces.back();
      if (offsetInSection + last.first + last.second.getData().size() > contents->size())
        return fail("the section of " + weights.symbol + " is smaller than the weights");
      found = (contents->data() - object.getData().data()) + offsetInSection;
    }
    if (!found)
      return fail("the object has no symbol " + weights.symbol);
    poolOffset = *found;
  }
  int fd;
  if (std::error_code ec = llvm::sys::fs::openFileForReadWrite(
          objectPath, fd, llvm::sys::fs::CD_OpenExisting, llvm::sys::fs::OF_None))
    return fail(ec.message());
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  for (const auto &[offset, bytes] : weights.pieces) {
    os.seek(poolOffset + offset);
    os.write(bytes.getData().data(), bytes.getData().size());
  }
  os.close();
  if (os.has_error()) {
    std::string message = os.error().message();
    os.clear_error();
    return fail(message);
  }
  return success();
}

} // namespace mbert
