//===- FuzzExternalData.h - the external data file fuzzed models see -*- C++ -*-===//
//
// The ONNX fuzz targets import each model as if it were the file model.onnx in
// a private temporary folder that holds one external data file, so that
// tensors stored outside the model (data_location = EXTERNAL) reach real
// bytes; the structure-aware mutator points initializers at it.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_FUZZ_FUZZEXTERNALDATA_H
#define MBERT_FUZZ_FUZZEXTERNALDATA_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace mbert::fuzz {

/// Name of the external data file inside the folder, and its size.
constexpr const char *kExternalDataFile = "weights.bin";
constexpr int64_t kExternalDataBytes = 4096;

/// The folder, created on first use (with the data file: bytes 0, 1, 2, ...)
/// and removed when the process exits.
inline const std::string &getExternalDataFolder() {
  static const std::string folder = [] {
    llvm::SmallString<128> created;
    if (llvm::sys::fs::createUniqueDirectory("mbert-fuzz", created)) {
      llvm::errs() << "cannot create a temporary folder for external data\n";
      std::exit(1);
    }
    llvm::SmallString<128> dataPath(created);
    llvm::sys::path::append(dataPath, kExternalDataFile);
    std::error_code error;
    llvm::raw_fd_ostream data(dataPath, error);
    for (int64_t i = 0; !error && i < kExternalDataBytes; ++i)
      data << static_cast<char>(i);
    if (!error)
      data.close();
    if (error || data.has_error()) {
      llvm::errs() << "cannot write " << dataPath << ": " << error.message() << "\n";
      std::exit(1);
    }
    return std::string(created);
  }();
  static const int removeAtExit = std::atexit([] {
    llvm::SmallString<128> dataPath(folder);
    llvm::sys::path::append(dataPath, kExternalDataFile);
    llvm::sys::fs::remove(dataPath);
    llvm::sys::fs::remove(folder);
  });
  (void)removeAtExit;
  return folder;
}

} // namespace mbert::fuzz

#endif // MBERT_FUZZ_FUZZEXTERNALDATA_H
