//===- Linker.cpp - link a model object into a runnable executable --------===//
//
// `--emit=exe` is how tests, benchmarks and users run a model without writing
// C. The model object is linked with the generic runner and the runtime by the
// target's C compiler driver, which knows where the C library and start files
// live; cross targets are linked statically so qemu needs no sysroot.
//
//===----------------------------------------------------------------------===//

#include "mbert/Target/Target.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace mbert {
namespace {

// A sanitized build (MBERT_SANITIZE) instruments its host runtime: executables that link it need
// the sanitizer runtimes of the compiler that built it, which is then the host's linker driver.
#ifdef MBERT_SANITIZED_HOST_LINKER
constexpr llvm::StringLiteral kHostLinkerDriver = MBERT_SANITIZED_HOST_LINKER;
constexpr llvm::StringLiteral kHostSanitizerFlag = MBERT_SANITIZED_HOST_LINK_FLAG;
#else
constexpr llvm::StringLiteral kHostLinkerDriver = "cc";
constexpr llvm::StringLiteral kHostSanitizerFlag = "";
#endif

} // namespace

mlir::LogicalResult linkExecutable(llvm::StringRef objectPath, llvm::StringRef outputPath,
                                   llvm::StringRef modelName, const TargetOptions &options,
                                   llvm::StringRef runtimeDir, std::string &errorMessage) {
  llvm::Triple target(llvm::Triple::normalize(options.triple));
  llvm::Triple host(llvm::sys::getProcessTriple());
  if (!target.isOSLinux() || target.isAndroid()) {
    errorMessage = "--emit=exe links for Linux targets only; for '" + options.triple +
                   "' emit an object and link it in the app";
    return mlir::failure();
  }
  bool isCross = target.getArch() != host.getArch();
  std::string tripleDir = (llvm::Triple::getArchTypeName(target.getArch()) + "-linux-gnu").str();
  std::string compilerName = isCross ? tripleDir + "-gcc" : kHostLinkerDriver.str();
  llvm::ErrorOr<std::string> compiler = llvm::sys::findProgramByName(compilerName);
  if (!compiler) {
    errorMessage = "cannot find the linker driver '" + compilerName + "' on PATH" +
                   (isCross ? " (install gcc-" + tripleDir + ")" : "");
    return mlir::failure();
  }
  llvm::SmallString<256> libraryDir(runtimeDir);
  llvm::sys::path::append(libraryDir, tripleDir);
  for (llvm::StringRef library : {"libmbert_runtime.a", "libmbert_runner.a"}) {
    llvm::SmallString<256> libraryPath(libraryDir);
    llvm::sys::path::append(libraryPath, library);
    if (!llvm::sys::fs::exists(libraryPath)) {
      errorMessage = "runtime library not found: " + libraryPath.str().str() +
                     " (build the runtime for " + tripleDir + ", or pass --runtime-dir)";
      return mlir::failure();
    }
  }
  std::string defsym = ("-Wl,--defsym=mbert_runner_model=" + modelName + "_model").str();
  std::string libraryFlag = ("-L" + libraryDir).str();
  llvm::SmallVector<llvm::StringRef> arguments = {*compiler, "-o", outputPath, objectPath,
                                                  libraryFlag, "-lmbert_runner", "-lmbert_runtime",
                                                  "-lm", "-pthread", defsym};
  if (isCross)
    arguments.push_back("-static");
  else if (!kHostSanitizerFlag.empty())
    arguments.push_back(kHostSanitizerFlag);
  std::string executionError;
  int status = llvm::sys::ExecuteAndWait(*compiler, arguments, std::nullopt, {}, 0, 0,
                                         &executionError);
  if (status != 0) {
    errorMessage = "linking with " + *compiler + " failed" +
                   (executionError.empty() ? "" : ": " + executionError);
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace mbert
