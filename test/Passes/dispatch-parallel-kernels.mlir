// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-dispatch-parallel-kernels)" | FileCheck %s

// A parallel kernel is one whose arguments include an iteration range
// (#mbert.kernel_argument). A call of it over [first, last) becomes: its other
// arguments (buffers, and indices such as a sequence length, as
// pointer-sized slots) and `first` stored in one stack array, then
// m_run_parallel_for(pool, task, array, last - first). The task loads them
// back and runs the kernel on [first + begin, first + end); m_run_parallel_for
// runs the whole range inline without a pool and calls pool->parallel_for
// (the first field of struct mbert_pool) with one, returning its status. A
// status other than MBERT_OK makes the entry return MBERT_ERROR_POOL_FAILED
// (16) at once. Ordinary kernels are called directly, as before.

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  // CHECK-LABEL: llvm.func internal @m_run_kernel0(
  llvm.func internal @m_run_kernel0(%a: !llvm.ptr, %n: i64,
                                    %begin: i64 {mbert.kernel_argument = #mbert.kernel_argument<iteration_begin>},
                                    %end: i64 {mbert.kernel_argument = #mbert.kernel_argument<iteration_end>}) {
    llvm.return
  }
  llvm.func internal @m_run_kernel1(%a: !llvm.ptr) {
    llvm.return
  }

  // CHECK-LABEL: llvm.func internal @m_run_kernel0_task
  // CHECK-SAME: (%[[CONTEXT:.+]]: !llvm.ptr, %[[BEGIN:.+]]: i64, %[[END:.+]]: i64)
  // CHECK: %[[SLOT0:.+]] = llvm.getelementptr %[[CONTEXT]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
  // CHECK: %[[A:.+]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
  // CHECK: %[[SLOT1:.+]] = llvm.getelementptr %[[CONTEXT]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
  // CHECK: %[[N_SLOT:.+]] = llvm.load %[[SLOT1]] : !llvm.ptr -> !llvm.ptr
  // CHECK: %[[N:.+]] = llvm.ptrtoint %[[N_SLOT]] : !llvm.ptr to i64
  // CHECK: %[[FROM:.+]] = llvm.add %[[FIRST:.+]], %[[BEGIN]] : i64
  // CHECK: %[[TO:.+]] = llvm.add %[[FIRST]], %[[END]] : i64
  // CHECK: llvm.call @m_run_kernel0(%[[A]], %[[N]], %[[FROM]], %[[TO]])

  // CHECK-LABEL: llvm.func internal @m_run_parallel_for
  // CHECK-SAME: (%[[POOL:.+]]: !llvm.ptr, %[[TASK:.+]]: !llvm.ptr, %[[ARRAY:.+]]: !llvm.ptr, %[[COUNT:.+]]: i64)
  // CHECK: %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
  // CHECK: %[[NO_POOL:.+]] = llvm.icmp "eq" %[[POOL]], %[[NULL]] : !llvm.ptr
  // CHECK: llvm.cond_br %[[NO_POOL]], ^[[INLINE:.+]], ^[[POOLED:.+]]
  // CHECK: ^[[INLINE]]:
  // CHECK: %[[ZERO:.+]] = llvm.mlir.constant(0 : i64) : i64
  // CHECK: llvm.call %[[TASK]](%[[ARRAY]], %[[ZERO]], %[[COUNT]]) : !llvm.ptr, (!llvm.ptr, i64, i64) -> ()
  // CHECK: %[[OK:.+]] = llvm.mlir.constant(0 : i32) : i32
  // CHECK: llvm.return %[[OK]] : i32
  // CHECK: ^[[POOLED]]:
  // CHECK: %[[FN:.+]] = llvm.load %[[POOL]] : !llvm.ptr -> !llvm.ptr
  // CHECK: %[[POOL_STATUS:.+]] = llvm.call %[[FN]](%[[POOL]], %[[TASK]], %[[ARRAY]], %[[COUNT]]) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> i32
  // CHECK: llvm.return %[[POOL_STATUS]] : i32

  // CHECK-LABEL: llvm.func @m_run
  // CHECK-SAME: (%[[X:.+]]: !llvm.ptr, %[[Y:.+]]: i64, %[[RUN_POOL:[^:]+]]: !llvm.ptr {{.+}})
  // CHECK: %[[SLOTS:.+]] = llvm.mlir.constant(3 : i64) : i64
  // CHECK: %[[CONTEXT_ARRAY:.+]] = llvm.alloca %[[SLOTS]] x !llvm.ptr : (i64) -> !llvm.ptr
  // CHECK: %[[C2:.+]] = llvm.mlir.constant(2 : i64) : i64
  // CHECK: %[[C12:.+]] = llvm.mlir.constant(12 : i64) : i64
  // CHECK: llvm.store %[[X]], %{{.+}} : !llvm.ptr, !llvm.ptr
  // CHECK: %[[Y_SLOT:.+]] = llvm.inttoptr %[[Y]] : i64 to !llvm.ptr
  // CHECK: llvm.store %[[Y_SLOT]], %{{.+}} : !llvm.ptr, !llvm.ptr
  // CHECK: %[[FIRST_SLOT:.+]] = llvm.inttoptr %[[C2]] : i64 to !llvm.ptr
  // CHECK: llvm.store %[[FIRST_SLOT]], %{{.+}} : !llvm.ptr, !llvm.ptr
  // CHECK: %[[TASK_ADDRESS:.+]] = llvm.mlir.addressof @m_run_kernel0_task : !llvm.ptr
  // CHECK: %[[COUNT10:.+]] = llvm.sub %[[C12]], %[[C2]] : i64
  // CHECK: %[[STATUS:.+]] = llvm.call @m_run_parallel_for(%[[RUN_POOL]], %[[TASK_ADDRESS]], %[[CONTEXT_ARRAY]], %[[COUNT10]])
  // CHECK: %[[RUN_OK:.+]] = llvm.mlir.constant(0 : i32) : i32
  // CHECK: %[[FAILED:.+]] = llvm.icmp "ne" %[[STATUS]], %[[RUN_OK]] : i32
  // CHECK: llvm.cond_br %[[FAILED]], ^[[POOL_FAILED:[^,]+]], ^[[REST:[^ ]+]]
  // CHECK-NOT: llvm.call @m_run_kernel0(
  // CHECK: ^[[REST]]:
  // CHECK: llvm.call @m_run_kernel1(%[[X]])
  // CHECK: ^[[POOL_FAILED]]:
  // CHECK: %[[C16:.+]] = llvm.mlir.constant(16 : i32) : i32
  // CHECK: llvm.return %[[C16]] : i32
  llvm.func @m_run(%x: !llvm.ptr, %y: i64, %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    %first = llvm.mlir.constant(2 : i64) : i64
    %last = llvm.mlir.constant(12 : i64) : i64
    llvm.call @m_run_kernel0(%x, %y, %first, %last) : (!llvm.ptr, i64, i64, i64) -> ()
    llvm.call @m_run_kernel1(%x) : (!llvm.ptr) -> ()
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
