// RUN: mbert-opt %s -split-input-file --pass-pipeline="builtin.module(mbert-finalize-entry-point)" | FileCheck %s

// Before anything else runs, the entry checks, each with its own status and
// early return: that no buffer is NULL (13), that the workspace is aligned to
// 64 bytes (15), and that input_ids, whose allowed_values are [0, 100), holds
// nothing < 0 or >= 100 in its 2x8 = 16 elements (2). attention_mask has no
// interval and is not read by the checks. The function gets an i32 status
// and a trailing pool.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[IDS:[^:]+]]: memref<2x8xi64> {{{.+}}<input>}, %[[MASK:[^:]+]]: memref<2x8xi64> {{{.+}}<input>}, %[[OUT:[^:]+]]: memref<2x8xf32> {{{.+}}<output>}, %[[WS:[^:]+]]: memref<64xi8> {{{.+}}<workspace>}, %{{[^:]+}}: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32
// CHECK: %[[IDS_ADDRESS:.+]] = memref.extract_aligned_pointer_as_index %[[IDS]]
// CHECK: %[[NULL:.+]] = arith.constant 0 : index
// CHECK: %[[IDS_NULL:.+]] = arith.cmpi eq, %[[IDS_ADDRESS]], %[[NULL]] : index
// CHECK: cf.cond_br %[[IDS_NULL]], ^[[NULL_ERROR:[^,]+]], ^[[NEXT0:[^ ]+]]
// CHECK: ^[[NULL_ERROR]]:
// CHECK: %[[C13:.+]] = arith.constant 13 : i32
// CHECK: return %[[C13]] : i32
// CHECK: ^[[NEXT0]]:
// CHECK: memref.extract_aligned_pointer_as_index %[[MASK]]
// CHECK: memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK: memref.extract_aligned_pointer_as_index %[[WS]]
// CHECK: %[[WS_ADDRESS:.+]] = memref.extract_aligned_pointer_as_index %[[WS]]
// CHECK: %[[C63:.+]] = arith.constant 63 : index
// CHECK: %[[MISALIGNMENT:.+]] = arith.andi %[[WS_ADDRESS]], %[[C63]] : index
// CHECK: %[[MISALIGNED:.+]] = arith.cmpi ne, %[[MISALIGNMENT]], %{{.+}} : index
// CHECK: cf.cond_br %[[MISALIGNED]], ^[[ALIGN_ERROR:[^,]+]], ^[[RANGE:[^ ]+]]
// CHECK: ^[[ALIGN_ERROR]]:
// CHECK: arith.constant 15 : i32
// CHECK: ^[[RANGE]]:
// CHECK-NOT: %[[MASK]]
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[IDS]] {{\[}}[0, 1]] : memref<2x8xi64> into memref<16xi64>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C16:.+]] = memref.dim %[[FLAT]], %{{.+}} : memref<16xi64>
// CHECK-DAG: %[[LOWEST:.+]] = arith.constant 0 : i64
// CHECK-DAG: %[[LIMIT:.+]] = arith.constant 100 : i64
// CHECK-DAG: %[[CLEAN:.+]] = arith.constant false
// CHECK: %[[BAD:.+]] = scf.for %[[I:.+]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%[[ACC:.+]] = %[[CLEAN]]) -> (i1) {
// CHECK: %[[ID:.+]] = memref.load %[[FLAT]][%[[I]]] : memref<16xi64>
// CHECK: %[[NEG:.+]] = arith.cmpi slt, %[[ID]], %[[LOWEST]] : i64
// CHECK: %[[BIG:.+]] = arith.cmpi sge, %[[ID]], %[[LIMIT]] : i64
// CHECK: %[[EITHER:.+]] = arith.ori %[[NEG]], %[[BIG]] : i1
// CHECK: %[[NEXT:.+]] = arith.ori %[[ACC]], %[[EITHER]] : i1
// CHECK: scf.yield %[[NEXT]] : i1
// CHECK-NOT: %[[MASK]]
// CHECK: cf.cond_br %[[BAD]], ^[[ERROR:.+]], ^[[BODY:[^ ]+]]
// CHECK: ^[[ERROR]]:
// CHECK: %[[STATUS:.+]] = arith.constant 2 : i32
// CHECK: return %[[STATUS]] : i32
// CHECK: ^[[BODY]]:
// CHECK: linalg.generic
// CHECK: %[[OK:.+]] = arith.constant 0 : i32
// CHECK: return %[[OK]] : i32
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 2, 8>, allowed_values = array<i64: 0, 100>},
              {name = "attention_mask", dtype = 7 : i32, shape = array<i64: 2, 8>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 2, 8>}]},
  mbert.workspace_size = 64 : i64
} {
  func.func @m_run(%ids: memref<2x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>}, %mask: memref<2x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>},
                   %out: memref<2x8xf32> {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: memref<64xi8> {mbert.entry_argument = #mbert.entry_argument<workspace>}) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%mask : memref<2x8xi64>) outs(%out : memref<2x8xf32>) {
    ^bb0(%m: i64, %o: f32):
      %f = arith.sitofp %m : i64 to f32
      linalg.yield %f : f32
    }
    return
  }
}

// -----

// Without allowed_values or workspace bytes there is only the NULL check of
// the two buffers: no range loop; the signature changes all the same. An
// empty tensor's buffer is not checked (NULL is fine for it), and neither is
// an empty workspace.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[TYPES:[^:]+]]: memref<4xi32> {{{.+}}}, %[[Y:[^:]+]]: memref<4xf32> {{{.+}}}, %[[EMPTY:[^:]+]]: memref<0xf32> {{{.+}}}, %{{[^:]+}}: memref<0xi8> {{{.+}}}, %{{[^:]+}}: !llvm.ptr {{{.+}}<pool>}) -> i32
// CHECK-NOT: scf.for
// CHECK: memref.extract_aligned_pointer_as_index %[[TYPES]]
// CHECK: memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK-NOT: memref.extract_aligned_pointer_as_index
// CHECK-NOT: scf.for
// CHECK: linalg.generic
// CHECK: %[[OK:.+]] = arith.constant 0 : i32
// CHECK-NOT: arith.constant 2 : i32
// CHECK: return %[[OK]] : i32
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "token_type_ids", dtype = 6 : i32, shape = array<i64: 4>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 4>},
               {name = "nothing", dtype = 1 : i32, shape = array<i64: 0>}]},
  mbert.workspace_size = 0 : i64
} {
  func.func @m_run(%types: memref<4xi32> {mbert.entry_argument = #mbert.entry_argument<input>}, %out: memref<4xf32> {mbert.entry_argument = #mbert.entry_argument<output>},
                   %empty: memref<0xf32> {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: memref<0xi8> {mbert.entry_argument = #mbert.entry_argument<workspace>}) {
    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                    iterator_types = ["parallel"]}
        ins(%types : memref<4xi32>) outs(%out : memref<4xf32>) {
    ^bb0(%t: i32, %o: f32):
      %f = arith.sitofp %t : i32 to f32
      linalg.yield %f : f32
    }
    return
  }
}

// -----

// A run-time sequence length: the first check is 1 <= length <= 8 (17),
// as one unsigned comparison of length - 1. The buffers along the sequence
// are passed typed for the largest length and viewed, before the checks, as
// their dense shape at the given one; the range check reads that view.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[IDS:[^:]+]]: memref<1x8xi64> {{{.+}}<input>}, %[[LENGTH:[^:]+]]: index {{{.+}}<sequence_length>}, %[[OUT:[^:]+]]: memref<1x8x4xf32> {{{.+}}<output>}, %{{[^:]+}}: memref<0xi8> {{{.+}}<workspace>}, %{{[^:]+}}: !llvm.ptr {{{.+}}<pool>}) -> i32
// CHECK: %[[IDS_VIEW:.+]] = memref.reinterpret_cast %[[IDS]] to offset: [0], sizes: [1, %[[LENGTH]]], strides: [%[[LENGTH]], 1] : memref<1x8xi64> to memref<1x?xi64>
// CHECK: %[[ROW:.+]] = arith.muli %{{.+}}, %[[LENGTH]] : index
// CHECK: %[[OUT_VIEW:.+]] = memref.reinterpret_cast %[[OUT]] to offset: [0], sizes: [1, %[[LENGTH]], 4], strides: [%[[ROW]], 4, 1] : memref<1x8x4xf32> to memref<1x?x4xf32>
// CHECK: %[[ONE:.+]] = arith.constant 1 : index
// CHECK: %[[MAX:.+]] = arith.constant 8 : index
// CHECK: %[[BELOW:.+]] = arith.subi %[[LENGTH]], %[[ONE]] : index
// CHECK: %[[BAD_LENGTH:.+]] = arith.cmpi uge, %[[BELOW]], %[[MAX]] : index
// CHECK: cf.cond_br %[[BAD_LENGTH]], ^[[LENGTH_ERROR:[^,]+]], ^{{.+}}
// CHECK: ^[[LENGTH_ERROR]]:
// CHECK: arith.constant 17 : i32
// CHECK: memref.collapse_shape %[[IDS_VIEW]] {{\[}}[0, 1]] : memref<1x?xi64> into memref<?xi64>
// CHECK: linalg.fill {{.+}} outs(%[[OUT_VIEW]] : memref<1x?x4xf32>)
module attributes {
  mbert.model_name = "m",
  mbert.max_sequence_length = 8 : i64,
  mbert.signature = {
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 1, 8>, allowed_values = array<i64: 0, 100>, sequence_axis = 1 : i64}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 1, 8, 4>, sequence_axis = 1 : i64}]},
  mbert.workspace_size = 0 : i64
} {
  func.func @m_run(%ids: memref<1x?xi64> {mbert.entry_argument = #mbert.entry_argument<input>}, %length: index {mbert.entry_argument = #mbert.entry_argument<sequence_length>},
                   %out: memref<1x?x4xf32> {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: memref<0xi8> {mbert.entry_argument = #mbert.entry_argument<workspace>}) {
    %zero = arith.constant 0.0 : f32
    linalg.fill ins(%zero : f32) outs(%out : memref<1x?x4xf32>)
    return
  }
}

// -----

// mbert.pool_threads becomes the pool's `threads` (the i32 at byte 8 of
// struct mbert_pool, after parallel_for), read once at the start and
// clamped to [1, 1024], or 1 when the pool is NULL: a pool that sets it to 0
// or to garbage cannot make a GEMM's loop empty or huge.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: %[[POOL:[^:]+]]: !llvm.ptr {{{.+}}<pool>}) -> i32
// CHECK-NOT: mbert.pool_threads
// CHECK: %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[MISSING:.+]] = llvm.icmp "eq" %[[POOL]], %[[NULL]] : !llvm.ptr
// CHECK: %[[THREADS:.+]] = scf.if %[[MISSING]] -> (index) {
// CHECK: %[[ONE:.+]] = arith.constant 1 : index
// CHECK: scf.yield %[[ONE]] : index
// CHECK: } else {
// CHECK: %[[FIELD:.+]] = llvm.getelementptr %[[POOL]][8] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[RAW:.+]] = llvm.load %[[FIELD]] : !llvm.ptr -> i32
// CHECK: %[[COUNT:.+]] = arith.index_cast %[[RAW]] : i32 to index
// CHECK: %[[MOST:.+]] = arith.constant 1024 : index
// CHECK: %[[AT_LEAST_ONE:.+]] = arith.maxsi %[[COUNT]], %{{.+}} : index
// CHECK: %[[CLAMPED:.+]] = arith.minsi %[[AT_LEAST_ONE]], %[[MOST]] : index
// CHECK: scf.yield %[[CLAMPED]] : index
// CHECK: memref.store %{{.+}}, %{{.+}}[%[[THREADS]]]
// CHECK-NOT: mbert.pool_threads
module attributes {
  mbert.model_name = "m",
  mbert.signature = {inputs = [], outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 4>}]},
  mbert.workspace_size = 0 : i64
} {
  func.func @m_run(%out: memref<4xf32> {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: memref<0xi8> {mbert.entry_argument = #mbert.entry_argument<workspace>}) {
    %threads = mbert.pool_threads
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %out[%threads] : memref<4xf32>
    return
  }
}

// -----

// mbert.pool_block_starts becomes a copy, on the stack, of entries 0 to T of
// the pool's `block_starts` table (the pointer at byte 16 of struct
// mbert_pool), T being the clamped `threads`; with no pool or no table,
// entry b is b. Both fields share one comparison of the pool with NULL. The
// copy is made first of all, and a table whose entry 0 is
// not 0, that decreases, or whose entry T is 0 returns
// MBERT_ERROR_INVALID_ARGUMENT (1) before anything runs: its entries divide
// every GEMM's rows, and a bad one would send a block outside them.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: %[[POOL:[^:]+]]: !llvm.ptr {{{.+}}<pool>}) -> i32
// CHECK-NOT: mbert.pool_block_starts
// CHECK: %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[NO_POOL:.+]] = llvm.icmp "eq" %[[POOL]], %[[NULL]] : !llvm.ptr
// CHECK: %[[THREADS:.+]] = scf.if %[[NO_POOL]]
// CHECK: %[[COPY:.+]] = memref.alloca() : memref<1025xi32>
// CHECK-NOT: llvm.icmp "eq" %[[POOL]]
// CHECK: %[[TABLE:.+]] = scf.if %[[NO_POOL]] -> (!llvm.ptr) {
// CHECK: scf.yield %[[NULL]] : !llvm.ptr
// CHECK: } else {
// CHECK: %[[FIELD:.+]] = llvm.getelementptr %[[POOL]][16] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[POINTER:.+]] = llvm.load %[[FIELD]] : !llvm.ptr -> !llvm.ptr
// CHECK: scf.yield %[[POINTER]] : !llvm.ptr
// CHECK: %[[NO_TABLE:.+]] = llvm.icmp "eq" %[[TABLE]], %[[NULL]] : !llvm.ptr
// CHECK: %[[ENTRIES:.+]] = arith.addi %[[THREADS]], %{{.+}} : index
// CHECK: %[[COPIED:.+]]:2 = scf.for %[[B:[^ ]+]] = %{{.+}} to %[[ENTRIES]] step %{{.+}} iter_args(%[[BEFORE:[^ ]+]] = %{{.+}}, %[[BAD_SO_FAR:[^ ]+]] = %false)
// CHECK: %[[ENTRY:.+]] = scf.if %[[NO_TABLE]] -> (i32) {
// CHECK: %[[EQUAL:.+]] = arith.index_castui %[[B]] : index to i32
// CHECK: scf.yield %[[EQUAL]] : i32
// CHECK: } else {
// CHECK: %[[AT:.+]] = llvm.getelementptr %[[TABLE]][%{{.+}}] : (!llvm.ptr, i64) -> !llvm.ptr, i32
// CHECK: %[[GIVEN:.+]] = llvm.load %[[AT]] : !llvm.ptr -> i32
// CHECK: scf.yield %[[GIVEN]] : i32
// CHECK: memref.store %[[ENTRY]], %[[COPY]][%[[B]]] : memref<1025xi32>
// CHECK: arith.cmpi ult, %[[ENTRY]], %[[BEFORE]] : i32
// CHECK: %[[LAST_ZERO:.+]] = arith.cmpi eq, %[[COPIED]]#0, %{{.+}} : i32
// CHECK: %[[BAD:.+]] = arith.ori %[[COPIED]]#1, %[[LAST_ZERO]] : i1
// CHECK: cf.cond_br %[[BAD]], ^[[REFUSE:.+]], ^[[NEXT:[^ ]+]]
// CHECK: ^[[REFUSE]]:
// CHECK: %[[INVALID:.+]] = arith.constant 1 : i32
// CHECK: return %[[INVALID]] : i32
// CHECK: ^[[NEXT]]:
// CHECK: memref.load %[[COPY]][%[[THREADS]]] : memref<1025xi32>
// CHECK-NOT: mbert.pool_block_starts
module attributes {
  mbert.model_name = "m",
  mbert.signature = {inputs = [], outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 4>}]},
  mbert.workspace_size = 0 : i64
} {
  func.func @m_run(%out: memref<4xf32> {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: memref<0xi8> {mbert.entry_argument = #mbert.entry_argument<workspace>}) {
    %threads = mbert.pool_threads
    %starts = mbert.pool_block_starts : memref<1025xi32>
    %start = memref.load %starts[%threads] : memref<1025xi32>
    %value = arith.uitofp %start : i32 to f32
    %c0 = arith.constant 0 : index
    memref.store %value, %out[%c0] : memref<4xf32>
    return
  }
}
