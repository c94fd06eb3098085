//===- Target.h - LLVM code generation, C header, executable link -*- C++ -*-===//

#ifndef MBERT_TARGET_TARGET_H
#define MBERT_TARGET_TARGET_H

#include "mbert/ModelSignature.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mbert {

struct TargetOptions {
  /// Target triple as users write it (aarch64-linux-gnu, x86_64-linux-gnu,
  /// aarch64-linux-android, arm64-apple-ios); normalized internally.
  std::string triple = "aarch64-linux-gnu";
  /// CPU name for LLVM (e.g. cortex-a76); "native" means this host's CPU.
  std::string cpu;
  /// LLVM target features (e.g. +dotprod,+i8mm).
  std::string features;
  /// LLVM optimization level, 0 to 3.
  unsigned optLevel = 2;
};

enum class CodeKind { Assembly, Object };

/// A large constant global taken out of the LLVM-dialect module before
/// translation (see DeferredWeights.cpp), with its bytes.
struct DeferredConstant {
  std::string name;
  mlir::AsmResourceBlob bytes;
  uint64_t alignment;
};

/// Where the deferred constants go in the object: the pool's symbol as the
/// object names it, and each constant's offset in the pool with its bytes.
struct DeferredWeights {
  using Piece = std::pair<uint64_t, mlir::AsmResourceBlob>;
  std::string symbol;
  std::vector<Piece> pieces;
};

/// Replaces the initializer of every large constant global of `module` by
/// zeros and returns what it was, owned apart from the MLIR context.
std::vector<DeferredConstant> deferLargeConstants(mlir::ModuleOp module);

/// Replaces the translated globals of `constants` by ranges of one
/// zero-filled, externally initialized pool, and says where their bytes go.
DeferredWeights poolDeferredConstants(llvm::Module &llvmModule,
                                      std::vector<DeferredConstant> constants);

/// Writes the deferred bytes into the pool of the object at `objectPath`.
mlir::LogicalResult writeDeferredWeights(llvm::StringRef objectPath, const DeferredWeights &weights,
                                         std::string &errorMessage);

/// Translates an LLVM-dialect module to LLVM IR for the target. Errors are
/// reported on the module. With `deferredWeights`, the large constants are
/// left out of the LLVM module (and the object) and moved there, to be
/// written with writeDeferredWeights into the object; the MLIR context may
/// then go.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &llvmContext,
                                                const TargetOptions &options,
                                                DeferredWeights *deferredWeights = nullptr);

/// Runs LLVM's optimization pipeline for the target on a translated module.
mlir::LogicalResult optimizeLLVMModule(llvm::Module &llvmModule, const TargetOptions &options,
                                       std::string &errorMessage);

/// Emits assembly or a relocatable object for `llvmModule`, in process.
mlir::LogicalResult emitCode(llvm::Module &llvmModule, const TargetOptions &options,
                             CodeKind kind, llvm::raw_pwrite_stream &os,
                             std::string &errorMessage);

/// Writes the C header of docs/ABI.md for a compiled model; with
/// `declaresVocabulary`, also the NAME_vocab symbols of addVocabulary. Tensor
/// names become unique C identifiers and escaped comments, whatever bytes the
/// model gave them. Fails (writing nothing) when an element count does not
/// fit 64 bits.
mlir::LogicalResult writeModelHeader(const ModelSignature &signature, llvm::raw_ostream &os,
                                     bool declaresVocabulary, std::string &errorMessage);

/// Reads a BERT vocab.txt into `contents` after checking it with the runtime's
/// tokenizer, so that a vocabulary the compiler embeds is one the app loads.
mlir::LogicalResult loadVocabulary(llvm::StringRef path, std::string &contents,
                                   std::string &errorMessage);

/// Adds the read-only globals `NAME_vocab` (the vocabulary's bytes) and
/// `NAME_vocab_size` (a size_t) to a module whose data layout is set.
void addVocabulary(llvm::Module &llvmModule, llvm::StringRef modelName,
                   llvm::StringRef contents);

/// Links `objectPath` with the runtime and the generic runner into an
/// executable for the target. `runtimeDir` holds lib/<triple>/ subfolders.
mlir::LogicalResult linkExecutable(llvm::StringRef objectPath, llvm::StringRef outputPath,
                                   llvm::StringRef modelName, const TargetOptions &options,
                                   llvm::StringRef runtimeDir, std::string &errorMessage);

} // namespace mbert

#endif // MBERT_TARGET_TARGET_H
