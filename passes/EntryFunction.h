//===- EntryFunction.h - the bufferized entry function of a model -*- C++ -*-===//
//
// The passes between bufferization and the LLVM dialect (privatizing loop
// temporaries, forming parallel regions, planning memory, outlining loop
// nests, bounding the sequence length) all work on the entry function's one
// block: the memory plan and the dispatch order are positions in it.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_PASSES_ENTRYFUNCTION_H
#define MBERT_PASSES_ENTRYFUNCTION_H

#include "mbert/ModelSignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mbert {

/// The model's entry function when it is a func.func with a single block;
/// otherwise null, after reporting on `module` that `passName` needs one.
inline mlir::func::FuncOp lookupSingleBlockEntry(mlir::ModuleOp module,
                                                 llvm::StringRef passName) {
  auto entry = llvm::dyn_cast_or_null<mlir::func::FuncOp>(lookupEntryFunction(module));
  if (entry && entry.getBody().hasOneBlock())
    return entry;
  module.emitError() << passName << " needs the mbert entry function with a single block";
  return {};
}

} // namespace mbert

#endif // MBERT_PASSES_ENTRYFUNCTION_H
