//===- ConstantStorage.cpp - how constant tensors are held ----------------===//

#include "dialects/Onnx/ConstantStorage.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

using namespace mlir;

namespace mbert::onnx_import {
namespace {

/// Names of the blobs created here (the manager appends a number to each);
/// only those are released.
constexpr llvm::StringLiteral kBlobName = "mbert_constant";

/// Blobs are aligned for any vector load of their elements.
constexpr size_t kBlobAlignment = 64;

} // namespace

ElementsAttr createConstantAttr(ShapedType type, ArrayRef<char> bytes) {
  if (bytes.size() < kMinBlobBytes)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  return DenseResourceElementsAttr::get(
      type, kBlobName, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, kBlobAlignment));
}

ElementsAttr getConstantAttr(Value value) {
  ElementsAttr attr;
  if (value && matchPattern(value, m_Constant(&attr)))
    return attr;
  return {};
}

bool isConstant(Value value) { return static_cast<bool>(getConstantAttr(value)); }

std::optional<ArrayRef<char>> getBlobBytes(Attribute attr) {
  auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(attr);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  return blob->getData();
}

DenseElementsAttr getDenseElements(Attribute attr) {
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(attr))
    return dense;
  auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(attr);
  std::optional<ArrayRef<char>> bytes = getBlobBytes(attr);
  bool isSplat;
  if (!resource || !bytes ||
      !DenseElementsAttr::isValidRawBuffer(resource.getType(), *bytes, isSplat))
    return {};
  return DenseElementsAttr::getFromRawBuffer(resource.getType(), *bytes);
}

void eraseUnusedConstants(Operation *root) {
  SmallVector<Operation *> unused;
  root->walk([&](Operation *op) {
    if (op->hasTrait<OpTrait::ConstantLike>() && op->use_empty())
      unused.push_back(op);
  });
  for (Operation *op : unused)
    op->erase();
  releaseUnusedConstantBlobs(root);
}

void releaseUnusedConstantBlobs(Operation *root) {
  llvm::DenseSet<const void *> used;
  root->walk([&](Operation *op) {
    op->getAttrDictionary().walk(
        [&](DenseResourceElementsAttr attr) { used.insert(attr.getRawHandle().getResource()); });
  });
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(root->getContext()).getBlobManager();
  SmallVector<std::string> unused;
  manager.getBlobMap([&](const llvm::StringMap<DialectResourceBlobManager::BlobEntry> &blobs) {
    for (const auto &entry : blobs) {
      const AsmResourceBlob *blob = entry.getValue().getBlob();
      if (entry.getKey().starts_with(kBlobName) && blob && !blob->getData().empty() &&
          !used.contains(&entry.getValue()))
        unused.push_back(entry.getKey().str());
    }
  });
  for (const std::string &name : unused)
    manager.lookup(name)->setBlob(AsmResourceBlob());
}

LogicalResult mapConstantBlobsFromFile(Operation *root, std::string &errorMessage) {
  using BlobEntry = DialectResourceBlobManager::BlobEntry;
  llvm::SetVector<BlobEntry *> entries;
  root->walk([&](Operation *op) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      BlobEntry *entry = attr.getRawHandle().getResource();
      if (entry->getKey().starts_with(kBlobName) && entry->getBlob() &&
          entry->getBlob()->getDeleter())
        entries.insert(entry);
    });
  });
  if (entries.empty())
    return success();
  auto fail = [&](const llvm::Twine &problem) {
    errorMessage = ("cannot move the weights to a temporary file: " + problem).str();
    return failure();
  };
  llvm::SmallString<128> path;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("mbert-weights", "bin", fd, path))
    return fail(ec.message());
  // Mapped, the file's bytes stay reachable without a name.
  llvm::FileRemover removeFile(path);
  SmallVector<uint64_t> offsets;
  uint64_t size = 0;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    for (BlobEntry *entry : entries) {
      uint64_t offset = llvm::alignTo(size, kBlobAlignment);
      os.write_zeros(offset - size);
      ArrayRef<char> data = entry->getBlob()->getData();
      os.write(data.data(), data.size());
      offsets.push_back(offset);
      size = offset + data.size();
    }
    os.close();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      return fail(message);
    }
  }
  llvm::Expected<llvm::sys::fs::file_t> file = llvm::sys::fs::openNativeFileForRead(path);
  if (!file)
    return fail(llvm::toString(file.takeError()));
  std::error_code ec;
  auto mapping = std::make_shared<llvm::sys::fs::mapped_file_region>(
      *file, llvm::sys::fs::mapped_file_region::readonly, size, 0, ec);
  llvm::sys::fs::closeFile(*file);
  if (ec)
    return fail(ec.message());
  for (auto [entry, offset] : llvm::zip_equal(entries, offsets)) {
    ArrayRef<char> view(mapping->const_data() + offset, entry->getBlob()->getData().size());
    // The last blob to go unmaps the file.
    entry->setBlob(AsmResourceBlob(
        view, kBlobAlignment, [mapping](void *, size_t, size_t) {}, /*dataIsMutable=*/false));
  }
  return success();
}

} // namespace mbert::onnx_import
