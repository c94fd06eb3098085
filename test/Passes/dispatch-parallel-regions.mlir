// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-dispatch-parallel-kernels)" | FileCheck %s

// An mbert.parallel_region of T threads becomes one m_run_parallel_for over T
// slots. The context holds T, then for each call of the region its count
// (last - first), its first iteration and its other arguments. The region's
// task runs, for each slot b it is given, each kernel in turn on iterations
// [first + count * b / T, first + count * (b + 1) / T): with counts of T * m,
// block b of every kernel. What the calls' ranges are computed from moves
// before the dispatch.
module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  llvm.func internal @m_run_kernel0(%a: !llvm.ptr,
                                    %begin: i64 {mbert.kernel_argument = #mbert.kernel_argument<iteration_begin>},
                                    %end: i64 {mbert.kernel_argument = #mbert.kernel_argument<iteration_end>}) {
    llvm.return
  }
  llvm.func internal @m_run_kernel1(%a: !llvm.ptr, %b: !llvm.ptr,
                                    %begin: i64 {mbert.kernel_argument = #mbert.kernel_argument<iteration_begin>},
                                    %end: i64 {mbert.kernel_argument = #mbert.kernel_argument<iteration_end>}) {
    llvm.return
  }
  // CHECK-LABEL: llvm.func internal @m_run_region0_task
  // CHECK-SAME: (%[[CONTEXT:.+]]: !llvm.ptr, %[[BEGIN:.+]]: i64, %[[END:.+]]: i64)
  // CHECK: %[[T_SLOT:.+]] = llvm.getelementptr %[[CONTEXT]][0]
  // CHECK: %[[T_PTR:.+]] = llvm.load %[[T_SLOT]]
  // CHECK: %[[T:.+]] = llvm.ptrtoint %[[T_PTR]] : !llvm.ptr to i64
  // CHECK: llvm.br ^[[HEADER:.+]](%[[BEGIN]] : i64)
  // CHECK: ^[[HEADER]](%[[B:.+]]: i64):
  // CHECK: %[[MORE:.+]] = llvm.icmp "slt" %[[B]], %[[END]] : i64
  // CHECK: llvm.cond_br %[[MORE]], ^[[SLOT:.+]], ^[[EXIT:[^ ]+]]
  // CHECK: ^[[SLOT]]:
  // CHECK: %[[NEXT:.+]] = llvm.add %[[B]], %{{.+}} : i64
  // CHECK: llvm.getelementptr %[[CONTEXT]][1]
  // CHECK: %[[COUNT0:.+]] = llvm.ptrtoint
  // CHECK: llvm.getelementptr %[[CONTEXT]][2]
  // CHECK: %[[FIRST0:.+]] = llvm.ptrtoint
  // CHECK: %[[SCALED0:.+]] = llvm.mul %[[COUNT0]], %[[B]] : i64
  // CHECK: %[[SHARE0:.+]] = llvm.udiv %[[SCALED0]], %[[T]] : i64
  // CHECK: %[[FROM0:.+]] = llvm.add %[[FIRST0]], %[[SHARE0]] : i64
  // CHECK: %[[SCALED_NEXT0:.+]] = llvm.mul %[[COUNT0]], %[[NEXT]] : i64
  // CHECK: %[[SHARE_NEXT0:.+]] = llvm.udiv %[[SCALED_NEXT0]], %[[T]] : i64
  // CHECK: %[[TO0:.+]] = llvm.add %[[FIRST0]], %[[SHARE_NEXT0]] : i64
  // CHECK: llvm.getelementptr %[[CONTEXT]][3]
  // CHECK: %[[A0:.+]] = llvm.load
  // CHECK: llvm.call @m_run_kernel0(%[[A0]], %[[FROM0]], %[[TO0]])
  // CHECK: llvm.getelementptr %[[CONTEXT]][6]
  // CHECK: %[[A1:.+]] = llvm.load
  // CHECK: llvm.getelementptr %[[CONTEXT]][7]
  // CHECK: %[[B1:.+]] = llvm.load
  // CHECK: llvm.call @m_run_kernel1(%[[A1]], %[[B1]], %{{.+}}, %{{.+}})
  // CHECK: llvm.br ^[[HEADER]](%[[NEXT]] : i64)
  // CHECK: ^[[EXIT]]:
  // CHECK-NEXT: llvm.return

  // CHECK-LABEL: llvm.func @m_run
  // CHECK-SAME: (%[[X:[^:]+]]: !llvm.ptr, %[[Y:[^:]+]]: !llvm.ptr, %[[THREADS:[^:]+]]: i64, %[[POOL:[^:]+]]: !llvm.ptr
  // CHECK: %[[SLOTS:.+]] = llvm.mlir.constant(8 : i64) : i64
  // CHECK: %[[ARRAY:.+]] = llvm.alloca %[[SLOTS]] x !llvm.ptr
  // CHECK: %[[ZERO:.+]] = llvm.mlir.constant(0 : i64) : i64
  // CHECK: %[[FOUR:.+]] = llvm.mlir.constant(4 : i64) : i64
  // CHECK: %[[LAST0:.+]] = llvm.mul %[[THREADS]], %[[FOUR]] : i64
  // CHECK: %[[N0:.+]] = llvm.sub %[[LAST0]], %[[ZERO]] : i64
  // CHECK: %[[N1:.+]] = llvm.sub %[[THREADS]], %[[ZERO]] : i64
  // CHECK: %[[T_AS_PTR:.+]] = llvm.inttoptr %[[THREADS]] : i64 to !llvm.ptr
  // CHECK: llvm.store %[[T_AS_PTR]], %{{.+}}
  // CHECK: llvm.inttoptr %[[N0]]
  // CHECK: llvm.store %[[X]], %{{.+}}
  // CHECK: llvm.inttoptr %[[N1]]
  // CHECK: llvm.store %[[X]], %{{.+}}
  // CHECK: llvm.store %[[Y]], %{{.+}}
  // CHECK: %[[TASK:.+]] = llvm.mlir.addressof @m_run_region0_task
  // CHECK: %[[STATUS:.+]] = llvm.call @m_run_parallel_for(%[[POOL]], %[[TASK]], %[[ARRAY]], %[[THREADS]])
  // CHECK: llvm.icmp "ne" %[[STATUS]]
  // CHECK-NOT: mbert.parallel_region
  // CHECK-NOT: llvm.call @m_run_kernel
  llvm.func @m_run(%x: !llvm.ptr, %y: !llvm.ptr, %threads: i64, %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    mbert.parallel_region threads(%threads) {
      %first = llvm.mlir.constant(0 : i64) : i64
      %four = llvm.mlir.constant(4 : i64) : i64
      %count0 = llvm.mul %threads, %four : i64
      llvm.call @m_run_kernel0(%x, %first, %count0) : (!llvm.ptr, i64, i64) -> ()
      llvm.call @m_run_kernel1(%x, %y, %first, %threads) : (!llvm.ptr, !llvm.ptr, i64, i64) -> ()
    }
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
