// RUN: mbert-opt %s -split-input-file --pass-pipeline="builtin.module(mbert-finalize-entry-point)" | FileCheck %s

// input_ids has an index_bound of 100: before anything else runs, the entry
// scans its 2x8 = 16 elements for a value < 0 or >= 100 and, on any, returns
// MBERT_ERROR_INPUT_OUT_OF_RANGE (2). attention_mask has no bound and is not
// read by the check. The function gets an i32 status and a trailing pool.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[IDS:[^:]+]]: memref<2x8xi64>, %[[MASK:[^:]+]]: memref<2x8xi64>, %{{[^:]+}}: memref<2x8xf32>, %{{[^:]+}}: memref<64xi8> {mbert.workspace}, %{{[^:]+}}: !llvm.ptr {mbert.pool}) -> i32
// CHECK-NOT: %[[MASK]]
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[IDS]] {{\[}}[0, 1]] : memref<2x8xi64> into memref<16xi64>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
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
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 2, 8>, index_bound = 100 : i64},
              {name = "attention_mask", dtype = 7 : i32, shape = array<i64: 2, 8>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 2, 8>}]},
  mbert.workspace_size = 64 : i64
} {
  func.func @m_run(%ids: memref<2x8xi64>, %mask: memref<2x8xi64>, %out: memref<2x8xf32>,
                   %ws: memref<64xi8> {mbert.workspace}) {
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

// Without any index_bound there is nothing to check: a single block that
// returns 0, no loop and no branch; the signature changes all the same.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%{{[^:]+}}: memref<4xi32>, %{{[^:]+}}: memref<4xf32>, %{{[^:]+}}: !llvm.ptr {mbert.pool}) -> i32
// CHECK-NOT: scf.for
// CHECK-NOT: cf.cond_br
// CHECK-NOT: ^bb1
// CHECK: linalg.generic
// CHECK: %[[OK:.+]] = arith.constant 0 : i32
// CHECK-NOT: arith.constant 2 : i32
// CHECK: return %[[OK]] : i32
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "token_type_ids", dtype = 6 : i32, shape = array<i64: 4>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 4>}]},
  mbert.workspace_size = 0 : i64
} {
  func.func @m_run(%types: memref<4xi32>, %out: memref<4xf32>) {
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
