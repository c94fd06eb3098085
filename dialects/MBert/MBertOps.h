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

} // namespace mbert::model

#endif // MBERT_DIALECTS_MBERT_MBERTOPS_H
