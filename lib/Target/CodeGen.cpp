//===- CodeGen.cpp - in-process LLVM optimization and emission ------------===//
//
// The backend follows IREE's in-process flow: look the target up, create a PIC
// TargetMachine, stamp its triple and data layout on the module, optimize with
// the new pass manager, then emit through the legacy code generator.
//
//===----------------------------------------------------------------------===//

#include "mbert/Target/Target.h"

#include "dialects/MBert/LLVMIRTranslation.h"
#include "mbert/Conversion/MicroKernels.h"

#include "mlir/Target/LLVMIR/Dialect/ArmNeon/ArmNeonToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace mbert {
namespace {

void initializeLLVMTargets() {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
    return true;
  }();
  (void)initialized;
}

llvm::CodeGenOptLevel getCodeGenOptLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 2:
    return llvm::CodeGenOptLevel::Default;
  default:
    return llvm::CodeGenOptLevel::Aggressive;
  }
}

llvm::OptimizationLevel getOptimizationLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::OptimizationLevel::O0;
  case 1:
    return llvm::OptimizationLevel::O1;
  case 2:
    return llvm::OptimizationLevel::O2;
  default:
    return llvm::OptimizationLevel::O3;
  }
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions &options,
                                                         std::string &errorMessage) {
  initializeLLVMTargets();
  llvm::Triple triple(llvm::Triple::normalize(options.triple));
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, errorMessage);
  if (!target) {
    errorMessage = "unknown target '" + options.triple + "': " + errorMessage;
    return nullptr;
  }
  std::string cpu = options.cpu;
  std::string features = options.features;
  resolveNativeCpu(cpu, features);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      getCodeGenOptLevel(options.optLevel)));
  if (!machine)
    errorMessage = "cannot create a target machine for '" + options.triple + "'";
  return machine;
}

} // namespace

std::unique_ptr<llvm::Module> translateToLLVMIR(ModuleOp module, llvm::LLVMContext &llvmContext,
                                                const TargetOptions &options,
                                                DeferredWeights *deferredWeights) {
  std::string errorMessage;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, errorMessage);
  if (!machine) {
    module.emitError(errorMessage);
    return nullptr;
  }
  registerArmNeonDialectTranslation(*module.getContext());
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  model::registerMBertDialectTranslation(*module.getContext());
  std::vector<DeferredConstant> deferred;
  if (deferredWeights)
    deferred = deferLargeConstants(module);
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule) {
    module.emitError("translation to LLVM IR failed");
    return nullptr;
  }
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  // The weights are internal constants that nothing outside the object
  // names: as private ones they keep no symbol, which for a model of ~2000
  // weight tensors is about 170 KB of symbol table less.
  for (llvm::GlobalVariable &global : llvmModule->globals())
    if (global.hasInternalLinkage() && global.isConstant())
      global.setLinkage(llvm::GlobalValue::PrivateLinkage);
  if (deferredWeights)
    *deferredWeights = poolDeferredConstants(*llvmModule, std::move(deferred));
  return llvmModule;
}

LogicalResult optimizeLLVMModule(llvm::Module &llvmModule, const TargetOptions &options,
                                 std::string &errorMessage) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, errorMessage);
  if (!machine)
    return failure();
  llvm::LoopAnalysisManager loopAnalyses;
  llvm::FunctionAnalysisManager functionAnalyses;
  llvm::CGSCCAnalysisManager sccAnalyses;
  llvm::ModuleAnalysisManager moduleAnalyses;
  // Kernels of the same shape take their weights as arguments (see
  // mbert-outline-loop-nests) and are identical: one copy of each is kept.
  llvm::PipelineTuningOptions tuning;
  tuning.MergeFunctions = true;
  llvm::PassBuilder passBuilder(machine.get(), tuning);
  passBuilder.registerModuleAnalyses(moduleAnalyses);
  passBuilder.registerCGSCCAnalyses(sccAnalyses);
  passBuilder.registerFunctionAnalyses(functionAnalyses);
  passBuilder.registerLoopAnalyses(loopAnalyses);
  passBuilder.crossRegisterProxies(loopAnalyses, functionAnalyses, sccAnalyses, moduleAnalyses);
  llvm::ModulePassManager passes =
      options.optLevel == 0
          ? passBuilder.buildO0DefaultPipeline(llvm::OptimizationLevel::O0)
          : passBuilder.buildPerModuleDefaultPipeline(getOptimizationLevel(options.optLevel));
  passes.run(llvmModule, moduleAnalyses);
  return success();
}

LogicalResult emitCode(llvm::Module &llvmModule, const TargetOptions &options, CodeKind kind,
                       llvm::raw_pwrite_stream &os, std::string &errorMessage) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, errorMessage);
  if (!machine)
    return failure();
  llvm::legacy::PassManager codegen;
  auto fileType = kind == CodeKind::Object ? llvm::CodeGenFileType::ObjectFile
                                           : llvm::CodeGenFileType::AssemblyFile;
  if (machine->addPassesToEmitFile(codegen, os, nullptr, fileType)) {
    errorMessage = "the target cannot emit this kind of file";
    return failure();
  }
  codegen.run(llvmModule);
  return success();
}

} // namespace mbert
