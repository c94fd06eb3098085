// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-plan-memory)" | FileCheck %s

// Uses inside an mbert.parallel_region count at the region: every buffer
// its loops touch is live for all of it, so none shares bytes with another,
// and no slot of the region overwrites what another slot still reads.
// Chained A -> B -> C (25 x f32 each, 100 bytes) outside a region, C takes
// A's bytes (A is dead once B is written). The same chain in a region, from
// C: C, RA, RB and RC are all live at the region, at 0, 128, 256 and 384.

// CHECK-LABEL: func.func @m_run
// CHECK: %[[OFF_A:.+]] = arith.constant 0 : index
// CHECK: %[[A:.+]] = memref.view %{{.+}}[%[[OFF_A]]][]
// CHECK: %[[OFF_B:.+]] = arith.constant 128 : index
// CHECK: %[[B:.+]] = memref.view %{{.+}}[%[[OFF_B]]][]
// CHECK: %[[OFF_C:.+]] = arith.constant 0 : index
// CHECK: %[[C:.+]] = memref.view %{{.+}}[%[[OFF_C]]][]
// CHECK: %[[OFF_RA:.+]] = arith.constant 128 : index
// CHECK: %[[RA:.+]] = memref.view %{{.+}}[%[[OFF_RA]]][]
// CHECK: %[[OFF_RB:.+]] = arith.constant 256 : index
// CHECK: %[[RB:.+]] = memref.view %{{.+}}[%[[OFF_RB]]][]
// CHECK: %[[OFF_RC:.+]] = arith.constant 384 : index
// CHECK: %[[RC:.+]] = memref.view %{{.+}}[%[[OFF_RC]]][]
// CHECK: mbert.parallel_region
// CHECK-NEXT: linalg.exp ins(%[[C]] : memref<25xf32>) outs(%[[RA]] : memref<25xf32>)
// CHECK-NEXT: linalg.exp ins(%[[RA]] : memref<25xf32>) outs(%[[RB]] : memref<25xf32>)
// CHECK-NEXT: linalg.exp ins(%[[RB]] : memref<25xf32>) outs(%[[RC]] : memref<25xf32>)
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 25>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 25>}]}
} {
  func.func @m_run(%in: memref<25xf32> {mbert.entry_argument = #mbert.entry_argument<input>},
                   %out: memref<25xf32> {bufferize.result}, %threads: i64) {
    %a = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    linalg.exp ins(%in : memref<25xf32>) outs(%a : memref<25xf32>)
    %b = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    linalg.exp ins(%a : memref<25xf32>) outs(%b : memref<25xf32>)
    %c = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    linalg.exp ins(%b : memref<25xf32>) outs(%c : memref<25xf32>)
    %ra = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    %rb = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    %rc = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    mbert.parallel_region threads(%threads) {
      linalg.exp ins(%c : memref<25xf32>) outs(%ra : memref<25xf32>)
      linalg.exp ins(%ra : memref<25xf32>) outs(%rb : memref<25xf32>)
      linalg.exp ins(%rb : memref<25xf32>) outs(%rc : memref<25xf32>)
    }
    linalg.copy ins(%rc : memref<25xf32>) outs(%out : memref<25xf32>)
    return
  }
}
