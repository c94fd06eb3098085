// RUN: mbert-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(mbert-dispatch-parallel-kernels)"

// A parallel region whose body calls a kernel without an iteration range is
// an error: its slots could not split that kernel's work.

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  llvm.func internal @m_run_kernel0(%a: !llvm.ptr) {
    llvm.return
  }
  llvm.func @m_run(%x: !llvm.ptr, %threads: i64, %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    mbert.parallel_region threads(%threads) {
      // expected-error @+1 {{a parallel region may call only kernels with an iteration range whose other arguments are pointers or indices}}
      llvm.call @m_run_kernel0(%x) : (!llvm.ptr) -> ()
    }
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}

// -----

// Nor may it hold anything that touches memory besides those calls.

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  llvm.func @m_run(%x: !llvm.ptr, %threads: i64, %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    mbert.parallel_region threads(%threads) {
      // expected-error @+1 {{a parallel region may hold only kernel calls and the arithmetic of their ranges}}
      llvm.store %threads, %x : i64, !llvm.ptr
    }
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
