//===- mbert-compile.cpp - the mbert compiler driver ----------------------===//
//
//   mbert-compile model.onnx -o out/model.o [--target TRIPLE] [--emit KIND] ...
//
// Imports an ONNX model, runs the pipeline up to the stage `--emit` names and
// writes that stage's output. Every output is written to a temporary file and
// renamed into place only on success, so a failed compile leaves nothing.
//
//===----------------------------------------------------------------------===//

#include "CompileStats.h"
#include "dialects/Onnx/ConstantStorage.h"
#include "mbert/Frontend/OnnxImporter.h"
#include "mbert/ModelSignature.h"
#include "mbert/Pipelines.h"
#include "mbert/Target/Target.h"
#include "passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBufferRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class EmitKind { Mlir, MBert, Linalg, LLVMIR, Assembly, Object, Executable };

cl::OptionCategory compileCategory("mbert-compile options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                               cl::cat(compileCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file"), cl::value_desc("path"),
                                cl::Required, cl::cat(compileCategory));
cl::opt<std::string> targetTriple("target",
                                  cl::desc("Target triple: aarch64-linux-gnu (default), "
                                           "aarch64-linux-android, arm64-apple-ios, x86_64-linux-gnu"),
                                  cl::init("aarch64-linux-gnu"), cl::cat(compileCategory));
cl::opt<std::string> targetCpu("cpu", cl::desc("Target CPU (e.g. cortex-a76, native)"),
                               cl::cat(compileCategory));
cl::opt<std::string> targetFeatures("features", cl::desc("Target features (e.g. +dotprod,+i8mm)"),
                                    cl::cat(compileCategory));
cl::opt<int64_t> sequenceLength("seq-len", cl::desc("Sequence length (axis 1 of the inputs)"),
                                cl::cat(compileCategory));
cl::opt<int64_t> maxSequenceLength(
    "max-seq-len",
    cl::desc("Largest sequence length: the entry point takes the actual length (1 to N) at run "
             "time and computes only that many positions (batch 1; instead of --seq-len)"),
    cl::cat(compileCategory));
cl::opt<int64_t> batchSize("batch", cl::desc("Batch size (axis 0 of the inputs)"),
                           cl::cat(compileCategory));
cl::opt<std::string> modelName("name",
                               cl::desc("C identifier of the model (default: the file's stem)"),
                               cl::cat(compileCategory));
cl::opt<std::string> runtimeDir("runtime-dir",
                                cl::desc("Folder holding <triple>/libmbert_runtime.a "
                                         "(default: ../lib beside mbert-compile)"),
                                cl::cat(compileCategory));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level: -O0 turns off the MobileBERT "
                                         "passes and LLVM optimization"),
                           cl::Prefix, cl::init(2), cl::cat(compileCategory));
/// `--stats FILE`. LLVM registers its own `-stats` lazily, so this option is
/// created only after that one has been removed (see main).
cl::opt<std::string> &getStatsPath() {
  static cl::opt<std::string> statsPath("stats",
                                        cl::desc("Write a JSON report of what the pipeline did"),
                                        cl::value_desc("file.json"), cl::cat(compileCategory));
  return statsPath;
}
cl::opt<bool> modelPasses("model-passes",
                          cl::desc("Run the MobileBERT passes (raising, NoNorm folding, "
                                   "fusion); --model-passes=0 compiles through the generic path"),
                          cl::init(true), cl::cat(compileCategory));
cl::opt<bool> timePasses("time-stages", cl::desc("Report the time each compiler pass takes"),
                          cl::cat(compileCategory));
using Quantization = mbert::PipelineOptions::Quantization;
cl::opt<Quantization> quantization(
    "quantize", cl::desc("Weight precision of the linears"), cl::init(Quantization::None),
    cl::values(clEnumValN(Quantization::None, "none", "f32 weights (default)"),
               clEnumValN(Quantization::Int8, "int8",
                          "int8 weights per output channel, inputs quantized per row at run "
                          "time, f32 epilogues"),
               clEnumValN(Quantization::Auto, "auto",
                          "int8 except the linears most sensitive to it, kept f32 until the "
                          "outputs are within --max-error of the f32 model's")),
    cl::cat(compileCategory));
cl::opt<double> maxError(
    "max-error",
    cl::desc("With --quantize=auto: the largest relative error ||out - out_f32|| / ||out_f32|| "
             "of any output on any calibration sample (default 0.05)"),
    cl::init(0.05), cl::cat(compileCategory));
cl::opt<std::string> calibrationSet(
    "calibration",
    cl::desc("Calibration inputs for --quantize: a folder with one subfolder per sample holding "
             "<input name>.npy files (default: 8 generated random inputs)"),
    cl::value_desc("dir"), cl::cat(compileCategory));
cl::opt<unsigned> int8ActivationBits(
    "int8-activation-bits",
    cl::desc("With --quantize: bits of the int8 linears' run-time activation codes, 8 (default) "
             "or 7, which lets x86's PMADDUBSW (CPUs without VNNI) add two sums in 16 bits, a "
             "fourth fewer multiplying instructions, at a cost in accuracy"),
    cl::init(8), cl::cat(compileCategory));
cl::opt<double> smoothingStrength(
    "smoothing-strength",
    cl::desc("With --quantize: how much of each input channel's calibrated range moves into "
             "its weight row before quantizing (SmoothQuant's alpha, 0 to 1; 0 turns "
             "smoothing off)"),
    cl::init(0.65), cl::cat(compileCategory));
cl::opt<std::string> vocabPath("vocab",
                              cl::desc("Embed this BERT vocab.txt in the object as NAME_vocab and "
                                       "NAME_vocab_size (checked by the runtime's tokenizer)"),
                              cl::value_desc("vocab.txt"), cl::cat(compileCategory));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to write"), cl::init(EmitKind::Object),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir", "imported ONNX-level MLIR"),
               clEnumValN(EmitKind::MBert, "mbert", "MLIR after raising to mbert ops"),
               clEnumValN(EmitKind::Linalg, "linalg", "MLIR lowered to linalg on tensors"),
               clEnumValN(EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Assembly, "asm", "target assembly"),
               clEnumValN(EmitKind::Object, "obj", "relocatable object and C header"),
               clEnumValN(EmitKind::Executable, "exe",
                          "executable: object + runtime + npy runner")),
    cl::cat(compileCategory));

/// `text` safe to print on a terminal: names in a model are arbitrary bytes,
/// and echoing a newline or an escape sequence would let a model forge
/// messages or drive the user's terminal. Control characters (C0, DEL and the
/// C1 range) and bytes that are not UTF-8 become \xNN; other UTF-8 stays.
std::string escapeForTerminal(StringRef text) {
  std::string escaped;
  auto escapeByte = [&](unsigned char byte) {
    escaped += "\\x";
    escaped.push_back(llvm::hexdigit(byte >> 4, /*LowerCase=*/true));
    escaped.push_back(llvm::hexdigit(byte & 15, /*LowerCase=*/true));
  };
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte < 0x20 || byte == 0x7f)
        escapeByte(byte);
      else
        escaped.push_back(static_cast<char>(byte));
      ++i;
      continue;
    }
    // A well-formed multi-byte sequence outside U+0080..U+009F stays as is.
    size_t length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 ? 2 : 0;
    llvm::UTF32 codePoint;
    const auto *begin = reinterpret_cast<const llvm::UTF8 *>(text.data() + i);
    const llvm::UTF8 *source = begin;
    llvm::UTF32 *target = &codePoint;
    bool decoded = length != 0 && i + length <= text.size() &&
                   llvm::ConvertUTF8toUTF32(&source, begin + length, &target, target + 1,
                                            llvm::strictConversion) == llvm::conversionOK;
    if (decoded && codePoint >= 0xa0) {
      escaped.append(text.data() + i, length);
      i += length;
    } else {
      escapeByte(byte);
      ++i;
    }
  }
  return escaped;
}

/// "file: node 'name': " for locations the importer made, so that messages
/// point at the ONNX node; other locations print as MLIR writes them.
std::string describeLocation(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string file;
    if (auto fileLoc = dyn_cast<FileLineColLoc>(name.getChildLoc()))
      file = fileLoc.getFilename().str() + ": ";
    return file + "'" + name.getName().str() + "'";
  }
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    return fileLoc.getFilename().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      return describeLocation(fused.getLocations().front());
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

std::string getDefaultModelName(StringRef path) {
  std::string name;
  for (char c : llvm::sys::path::stem(path))
    name.push_back(llvm::isAlnum(c) ? c : '_');
  if (name.empty() || llvm::isDigit(name.front()))
    name = "model_" + name;
  return name;
}

bool isCIdentifier(StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// A file written next to its final path and moved there by commit(); it is
/// removed if the compile fails first. Standard output ("-") and existing
/// non-regular files (/dev/null, a pipe) are written directly: renaming over
/// them would replace a device node with a plain file.
class PendingOutput {
public:
  explicit PendingOutput(StringRef finalPath) : finalPath(finalPath.str()) {}
  ~PendingOutput() {
    if (!temporaryPath.empty())
      llvm::sys::fs::remove(temporaryPath);
  }

  LogicalResult open(std::unique_ptr<llvm::raw_fd_ostream> &stream, std::string &error) {
    llvm::sys::fs::file_status status;
    bool exists = !llvm::sys::fs::status(finalPath, status);
    if (exists && llvm::sys::fs::is_directory(status)) {
      error = "cannot write " + finalPath + ": it is a directory";
      return failure();
    }
    writesDirectly = finalPath == "-" || (exists && !llvm::sys::fs::is_regular_file(status));
    if (writesDirectly) {
      std::error_code ec;
      stream = std::make_unique<llvm::raw_fd_ostream>(finalPath, ec);
      if (ec) {
        error = "cannot write " + finalPath + ": " + ec.message();
        return failure();
      }
      return success();
    }
    StringRef directory = llvm::sys::path::parent_path(finalPath);
    if (!directory.empty())
      if (std::error_code ec = llvm::sys::fs::create_directories(directory)) {
        error = "cannot create the folder of " + finalPath + ": " + ec.message();
        return failure();
      }
    int fd;
    llvm::SmallString<256> model(finalPath);
    model += ".tmp-%%%%%%";
    if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temporaryPath)) {
      error = "cannot create " + finalPath + ": " + ec.message();
      return failure();
    }
    stream = std::make_unique<llvm::raw_fd_ostream>(fd, /*shouldClose=*/true);
    return success();
  }

  /// Where the content goes until commit(): the temporary file, or the final
  /// path itself when it is written directly.
  StringRef getTemporaryPath() const {
    return writesDirectly ? StringRef(finalPath) : StringRef(temporaryPath);
  }

  bool isWrittenDirectly() const { return writesDirectly; }

  LogicalResult commit(std::string &error) {
    if (writesDirectly)
      return success();
    if (std::error_code ec = llvm::sys::fs::rename(temporaryPath, finalPath)) {
      error = "cannot write " + finalPath + ": " + ec.message();
      return failure();
    }
    temporaryPath.clear();
    return success();
  }

private:
  std::string finalPath;
  llvm::SmallString<256> temporaryPath;
  bool writesDirectly = false;
};

int reportError(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mbert-compile") << escapeForTerminal(message.str())
                                                        << "\n";
  return 1;
}

std::string getRuntimeDir(const char *argv0) {
  if (!runtimeDir.empty())
    return runtimeDir;
  std::string executable = llvm::sys::fs::getMainExecutable(argv0, (void *)&getRuntimeDir);
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(llvm::sys::path::parent_path(executable)));
  llvm::sys::path::append(dir, "lib");
  return std::string(dir);
}

/// `path` absolute and without "." or ".." components, for comparing outputs.
std::string normalizePath(StringRef path) {
  llvm::SmallString<256> normalized(path);
  llvm::sys::fs::make_absolute(normalized);
  llvm::sys::path::remove_dots(normalized, /*remove_dot_dot=*/true);
  return std::string(normalized);
}

/// Fails when two of the files a compile writes are the same file: the later
/// one would silently replace the earlier (`-o model.h` names the object and
/// the header alike).
LogicalResult checkDistinctOutputs(std::string &error) {
  SmallVector<std::pair<std::string, std::string>> outputs = {{"-o", outputPath}};
  if (emitKind == EmitKind::Object && outputPath != "-") {
    llvm::SmallString<256> headerPath(outputPath);
    llvm::sys::path::replace_extension(headerPath, "h");
    outputs.push_back({"the header", std::string(headerPath)});
  }
  if (!getStatsPath().empty())
    outputs.push_back({"--stats", getStatsPath()});
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = i + 1; j < outputs.size(); ++j)
      if (outputs[i].second != "-" &&
          normalizePath(outputs[i].second) == normalizePath(outputs[j].second)) {
        error = outputs[i].first + " and " + outputs[j].first + " are the same file " +
                outputs[j].second;
        if (outputs[j].first == "the header")
          error += "; give the object a name that does not end in .h";
        return failure();
      }
  return success();
}

/// Gives the pages of memory freed by a finished stage back to the system.
/// MLIR and LLVM free their IR in small pieces, which the allocator keeps.
void returnFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/// The MLIR side of a compile: the context, which owns every attribute (the
/// weights included), and the handler that prints its diagnostics, each an
/// error naming the ONNX node (or file) it concerns, on one line.

struct MlirSession {
  explicit MlirSession(const DialectRegistry &registry)
      : context(registry), diagnostics(&context, [](Diagnostic &diagnostic) {
          if (diagnostic.getSeverity() != DiagnosticSeverity::Error)
            return success();
          llvm::WithColor::error(llvm::errs(), "mbert-compile")
              << escapeForTerminal(describeLocation(diagnostic.getLocation()) + ": " +
                                   diagnostic.str())
              << "\n";
          return success();
        }) {
    context.disableMultithreading();
  }
  MLIRContext context;
  ScopedDiagnosticHandler diagnostics;
};

int compile(const char *argv0) {
  std::string name = modelName.empty() ? getDefaultModelName(inputPath) : modelName.getValue();
  if (!isCIdentifier(name))
    return reportError("--name '" + name + "' is not a C identifier");
  if (sequenceLength.getNumOccurrences() && (sequenceLength < 1 || sequenceLength > 1 << 20))
    return reportError("--seq-len must be between 1 and 1048576");
  if (batchSize.getNumOccurrences() && (batchSize < 1 || batchSize > 1 << 16))
    return reportError("--batch must be between 1 and 65536");
  if (maxSequenceLength.getNumOccurrences()) {
    if (maxSequenceLength < 1 || maxSequenceLength > 1 << 20)
      return reportError("--max-seq-len must be between 1 and 1048576");
    if (sequenceLength.getNumOccurrences())
      return reportError("give either --seq-len (a fixed length) or --max-seq-len (a run-time "
                         "length up to it), not both");
    if (batchSize.getNumOccurrences() && batchSize != 1)
      return reportError("--max-seq-len needs batch 1");
  }
  if (optLevel > 3)
    return reportError("-O must be 0, 1, 2 or 3");
  std::string outputsError;
  if (failed(checkDistinctOutputs(outputsError)))
    return reportError(outputsError);
  // Read before compiling, so that a bad vocabulary fails fast.
  std::string vocabulary;
  if (!vocabPath.empty()) {
    std::string vocabError;
    if (failed(mbert::loadVocabulary(vocabPath, vocabulary, vocabError)))
      return reportError(vocabError);
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<mbert::onnx_import::OnnxDialect, mbert::model::MBertDialect>();
  auto session = std::make_unique<MlirSession>(registry);
  MLIRContext &context = session->context;

  mbert::CompileStats stats;
  using Clock = std::chrono::steady_clock;
  auto secondsSince = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };

  mbert::ImportOptions importOptions;
  importOptions.modelName = name;
  if (sequenceLength.getNumOccurrences())
    importOptions.sequenceLength = sequenceLength;
  if (batchSize.getNumOccurrences())
    importOptions.batchSize = batchSize;
  // The model is compiled for the largest length; the bound pass then makes
  // the length a run-time argument.
  if (maxSequenceLength.getNumOccurrences()) {
    importOptions.sequenceLength = maxSequenceLength;
    importOptions.batchSize = 1;
  }
  Clock::time_point start = Clock::now();
  OwningOpRef<ModuleOp> module = mbert::importOnnxModel(context, inputPath, importOptions);
  if (!module)
    return 1;
  stats.recordTime("import", secondsSince(start));

  mbert::PipelineOptions pipelineOptions;
  pipelineOptions.enableModelPasses = optLevel > 0 && modelPasses;
  pipelineOptions.runTimeSequenceLength = maxSequenceLength.getNumOccurrences() > 0;
  mbert::TargetOptions targetOptions;
  targetOptions.triple = targetTriple;
  targetOptions.cpu = targetCpu;
  targetOptions.features = targetFeatures;
  targetOptions.optLevel = optLevel;
  pipelineOptions.quantization = quantization;
  bool quantizing = quantization != Quantization::None;
  // The code width only matters to int8 kernels; without --quantize it is an
  // error reported below.
  pipelineOptions.kernelTarget = mbert::KernelTarget{targetTriple, targetCpu, targetFeatures,
                                                     quantizing ? int8ActivationBits : 8u};
  // An unknown triple or CPU is the user's mistake: say so before compiling.
  std::string targetError;
  if (failed(mbert::selectMicroKernels(&context, pipelineOptions.kernelTarget, targetError)))
    return reportError(targetError);
  if (quantizing && !pipelineOptions.enableModelPasses)
    return reportError("--quantize needs the MobileBERT passes (not -O0 or --model-passes=0)");
  for (const cl::Option *quantizationOption :
       {static_cast<const cl::Option *>(&calibrationSet),
        static_cast<const cl::Option *>(&smoothingStrength),
        static_cast<const cl::Option *>(&int8ActivationBits)})
    if (quantizationOption->getNumOccurrences() && !quantizing)
      return reportError("--" + quantizationOption->ArgStr +
                         " is only used with --quantize=int8 or --quantize=auto");
  if (maxError.getNumOccurrences() && quantization != Quantization::Auto)
    return reportError("--max-error is only used with --quantize=auto");
  if (!(maxError >= 0) || !std::isfinite(maxError))
    return reportError("--max-error must be a finite number >= 0");
  pipelineOptions.maxError = maxError;
  pipelineOptions.calibrationSet = calibrationSet;
  if (smoothingStrength < 0 || smoothingStrength > 1)
    return reportError("--smoothing-strength must be between 0 and 1");
  pipelineOptions.smoothingStrength = smoothingStrength;
  if (quantizing && calibrationSet.empty())
    llvm::errs() << "mbert-compile: note: no --calibration set: quantization measures the "
                    "model on 8 generated inputs (random token ids, attention masks of random "
                    "lengths, two token-type segments)\n";

  // Each stage produces the IR of one --emit kind; run those up to the one
  // requested.
  struct Stage {
    const char *name;
    EmitKind produces;
    void (*build)(OpPassManager &, const mbert::PipelineOptions &);
    /// No later stage changes the weights' values.
    bool finalizesWeights = false;
  };
  const Stage stages[] = {
      {"import-cleanup", EmitKind::Mlir,
       [](OpPassManager &pm, const mbert::PipelineOptions &) {
         pm.addPass(createCanonicalizerPass());
       }},
      {"raise", EmitKind::MBert, mbert::buildRaisePipeline},
      {"optimize", EmitKind::MBert, mbert::buildModelOptimizationPipeline,
       /*finalizesWeights=*/true},
      {"linalg", EmitKind::Linalg, mbert::buildModelToLinalgPipeline},
      {"llvm-dialect", EmitKind::LLVMIR, mbert::buildLinalgToLLVMPipeline},
  };
  for (const Stage &stage : stages) {
    if (stage.produces > emitKind)
      break;
    PassManager pm(&context);
    if (timePasses)
      pm.enableTiming();
    pm.addInstrumentation(stats.createCalibrationTimer());
    pm.addInstrumentation(mbert::createUnusedConstantReleaser(*module));
    stage.build(pm, pipelineOptions);
    start = Clock::now();
    if (failed(pm.run(*module)))
      return 1;
    stats.recordStage(stage.name, *module, secondsSince(start));
    // Final weights are only carried to the object from here on: as a
    // mapped file, they need not be resident while the code is compiled.
    std::string mappingError;
    if (stage.finalizesWeights && emitKind > stage.produces &&
        failed(mbert::onnx_import::mapConstantBlobsFromFile(*module, mappingError)))
      return reportError(mappingError);
  }

  std::string error;
  // Closes a stream; a write error becomes `error` (a stream left with one
  // would abort when destroyed).
  auto closeStream = [&](llvm::raw_fd_ostream &os, StringRef path) -> LogicalResult {
    os.close();
    if (!os.has_error())
      return success();
    error = "cannot write " + path.str() + ": " + os.error().message();
    os.clear_error();
    return failure();
  };
  // The report describes a finished compile, so it is written last.
  auto finish = [&]() -> int {
    if (getStatsPath().empty())
      return 0;
    PendingOutput report(getStatsPath());
    std::unique_ptr<llvm::raw_fd_ostream> reportStream;
    if (failed(report.open(reportStream, error)))
      return reportError(error);
    stats.write(*reportStream, name, targetTriple);
    if (failed(closeStream(*reportStream, getStatsPath())) || failed(report.commit(error)))
      return reportError(error);
    return 0;
  };
  PendingOutput output(outputPath);
  std::unique_ptr<llvm::raw_fd_ostream> stream;
  if (emitKind <= EmitKind::Linalg) {
    if (failed(output.open(stream, error)))
      return reportError(error);
    OpPrintingFlags flags;
    flags.elideLargeElementsAttrs(32);
    flags.elideLargeResourceString(64);
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
    module->print(*stream, flags);
    if (failed(closeStream(*stream, outputPath)) || failed(output.commit(error)))
      return reportError(error);
    return finish();
  }

  auto llvmContext = std::make_unique<llvm::LLVMContext>();
  start = Clock::now();
  // An object gets its weights after code generation (DeferredWeights.cpp):
  // as LLVM constants they would be two more copies of them.
  bool emitsObject = emitKind == EmitKind::Object || emitKind == EmitKind::Executable;
  mbert::DeferredWeights deferredWeights;
  std::unique_ptr<llvm::Module> llvmModule = mbert::translateToLLVMIR(
      *module, *llvmContext, targetOptions, emitsObject ? &deferredWeights : nullptr);
  if (!llvmModule)
    return 1;
  FailureOr<mbert::ModelSignature> signature = mbert::getModelSignature(*module);
  if (failed(signature))
    return 1;
  // The MLIR context holds the weights (text outputs have them in the LLVM
  // module as well) and the IR: it goes before LLVM makes its own copies.
  module = nullptr;
  session.reset();
  returnFreedMemory();
  if (failed(mbert::optimizeLLVMModule(*llvmModule, targetOptions, error)))
    return reportError(error);
  stats.recordTime("llvm-optimize", secondsSince(start));
  if (!vocabPath.empty())
    mbert::addVocabulary(*llvmModule, name, vocabulary);
  if (emitKind == EmitKind::LLVMIR) {
    if (failed(output.open(stream, error)))
      return reportError(error);
    llvmModule->print(*stream, nullptr);
    if (failed(closeStream(*stream, outputPath)) || failed(output.commit(error)))
      return reportError(error);
    return finish();
  }
  if (emitKind == EmitKind::Assembly) {
    if (failed(output.open(stream, error)))
      return reportError(error);
    start = Clock::now();
    if (failed(
            mbert::emitCode(*llvmModule, targetOptions, mbert::CodeKind::Assembly, *stream, error)))
      return reportError(error);
    if (failed(closeStream(*stream, outputPath)))
      return reportError(error);
    stats.recordTime("codegen", secondsSince(start));
    return failed(output.commit(error)) ? reportError(error) : finish();
  }

  // Objects are made in a file, where their weights are then written: a
  // temporary one when the object goes to standard output, a device or a
  // linker.
  auto generateObject = [&](StringRef path) -> LogicalResult {
    start = Clock::now();
    {
      std::error_code ec;
      llvm::raw_fd_ostream objectStream(path, ec);
      if (ec) {
        error = "cannot write " + path.str() + ": " + ec.message();
        return failure();
      }
      if (failed(mbert::emitCode(*llvmModule, targetOptions, mbert::CodeKind::Object, objectStream,
                                 error)))
        return failure();
      if (failed(closeStream(objectStream, path)))
        return failure();
    }
    // Reading the weights brings them back into memory: LLVM's part is done.
    llvmModule = nullptr;
    llvmContext = nullptr;
    returnFreedMemory();
    if (failed(mbert::writeDeferredWeights(path, deferredWeights, error)))
      return failure();
    stats.recordTime("codegen", secondsSince(start));
    if (!getStatsPath().empty())
      if (auto object = llvm::MemoryBuffer::getFile(path))
        stats.recordObject((*object)->getMemBufferRef());
    return success();
  };

  // The object of an executable, or of an output that is not a regular file.
  llvm::SmallString<256> objectPath;
  llvm::FileRemover removeObject;
  auto generateTemporaryObject = [&]() -> LogicalResult {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("mbert-" + name, "o", objectPath)) {
      error = "cannot create a temporary object file: " + ec.message();
      return failure();
    }
    removeObject.setFile(objectPath);
    return generateObject(objectPath);
  };

  if (emitKind == EmitKind::Executable) {
    if (failed(generateTemporaryObject()))
      return reportError(error);
    if (failed(output.open(stream, error)))
      return reportError(error);
    stream->close();
    start = Clock::now();
    if (failed(mbert::linkExecutable(objectPath, output.getTemporaryPath(), name, targetOptions,
                                     getRuntimeDir(argv0), error)))
      return reportError(error);
    stats.recordTime("link", secondsSince(start));
    // Executable as a linker makes it: every permission the umask allows.
    if (!output.isWrittenDirectly())
      llvm::sys::fs::setPermissions(
          output.getTemporaryPath(),
          static_cast<llvm::sys::fs::perms>(llvm::sys::fs::all_all & ~llvm::sys::fs::getUmask()));
    return failed(output.commit(error)) ? reportError(error) : finish();
  }

  if (failed(output.open(stream, error)))
    return reportError(error);
  if (!output.isWrittenDirectly()) {
    stream->close();
    if (failed(generateObject(output.getTemporaryPath())))
      return reportError(error);
  } else {
    if (failed(generateTemporaryObject()))
      return reportError(error);
    auto object = llvm::MemoryBuffer::getFile(objectPath);
    if (!object)
      return reportError("cannot read " + objectPath.str().str() + ": " +
                         object.getError().message());
    *stream << (*object)->getBuffer();
    if (failed(closeStream(*stream, outputPath)))
      return reportError(error);
  }
  // The header goes next to an object written to a file; an object sent to
  // standard output or a device (-o /dev/null) has no "next to".
  if (emitKind == EmitKind::Object && !output.isWrittenDirectly()) {
    llvm::SmallString<256> headerPath(outputPath);
    llvm::sys::path::replace_extension(headerPath, "h");
    PendingOutput header(headerPath);
    std::unique_ptr<llvm::raw_fd_ostream> headerStream;
    if (failed(header.open(headerStream, error)))
      return reportError(error);
    if (failed(mbert::writeModelHeader(*signature, *headerStream,
                                       /*declaresVocabulary=*/!vocabPath.empty(), error)))
      return reportError(error);
    if (failed(closeStream(*headerStream, headerPath)) || failed(output.commit(error)) ||
        failed(header.commit(error)))
      return reportError(error);
    return finish();
  }
  return failed(output.commit(error)) ? reportError(error) : finish();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
#ifdef __GLIBC__
  // Passes free the weights they rewrite, tensor by tensor (64 KB to 16 MB).
  // glibc's default raises its mmap threshold to the largest block freed so
  // far, after which such blocks come from the heap and, freed, stay part of
  // the process; a fixed threshold returns each one to the system.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  // The pipelines name upstream passes textually; they must be registered.
  mlir::registerAllPasses();
  cl::HideUnrelatedOptions(compileCategory);
  if (cl::Option *llvmStats = cl::getRegisteredOptions().lookup("stats"))
    llvmStats->removeArgument();
  getStatsPath();
  cl::ParseCommandLineOptions(argc, argv,
                              "mbert-compile: MobileBERT ONNX models to native objects\n");
  return compile(argv[0]);
}
