//===- MBertOps.h - the MobileBERT model dialect ----------------*- C++ -*-===//

#ifndef MBERT_DIALECTS_MBERT_MBERTOPS_H
#define MBERT_DIALECTS_MBERT_MBERTOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/MBert/MBertOpsDialect.h.inc"
#include "dialects/MBert/MBertOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/MBert/MBertOpsAttributes.h.inc"

#define GET_OP_CLASSES
#include "dialects/MBert/MBertOps.h.inc"

namespace mbert::model {

/// The attribute of a parallel loop (an scf.forall) that holds its
/// RowPartitionAttr.
inline constexpr llvm::StringLiteral kRowPartitionAttrName = "mbert.row_partition";

/// The most threads a pool may split rows among (MBERT_POOL_MAX_THREADS of
/// the runtime, which FinalizeEntryPoint checks this against), and so the
/// most blocks a row partition has.
inline constexpr int64_t kMaxPoolThreads = 1024;

/// The type of mbert.pool_block_starts: a start for each block and the end.
inline mlir::MemRefType getPoolBlockStartsType(mlir::MLIRContext *context) {
  return mlir::MemRefType::get({kMaxPoolThreads + 1}, mlir::IntegerType::get(context, 32));
}

} // namespace mbert::model

#endif // MBERT_DIALECTS_MBERT_MBERTOPS_H
