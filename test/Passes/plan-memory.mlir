// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-plan-memory)" | FileCheck %s

// Four intermediates of the entry function, with lifetimes (positions of ops
// in the entry block, from the first to the last op that reads or writes it,
// through views; the alloc and the view itself touch nothing):
//   A 25 x f32 = 100 bytes  [1, 3]
//   B 25 x f32 = 100 bytes  [3, 6]   (last read through its subview at 6)
//   C 10 x f32 =  40 bytes  [6, 8]
//   D 10 x f32 =  40 bytes  [8, 9]
// Placed largest first at the lowest 64-aligned offset free of overlapping
// buffers: A at 0; B overlaps A, so at align(100) = 128; C overlaps only B
// and fits below it, at 0 (A is dead by then); D overlaps C, so at
// align(40) = 64. End of the arena = max(0+100, 128+100, 0+40, 64+40) = 228,
// aligned to 64: workspace 256. Peak live bytes: A+B at position 3 = 200
// (B+C = 140, C+D = 80).

// CHECK: module attributes
// CHECK-SAME: mbert.peak_live_bytes = 200 : i64
// CHECK-SAME: mbert.workspace_size = 256 : i64

// Bufferization's out parameter becomes the output, and the workspace is
// added, each with its role.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[IN:.+]]: memref<25xf32> {mbert.entry_argument = #mbert.entry_argument<input>},
// CHECK-SAME: %[[OUT:.+]]: memref<10xf32> {mbert.entry_argument = #mbert.entry_argument<output>},
// CHECK-SAME: %[[WS:.+]]: memref<256xi8> {mbert.entry_argument = #mbert.entry_argument<workspace>})
// CHECK-NOT: memref.alloc
// CHECK: %[[OFF_A:.+]] = arith.constant 0 : index
// CHECK: %[[A:.+]] = memref.view %[[WS]][%[[OFF_A]]][] : memref<256xi8> to memref<25xf32>
// CHECK: linalg.exp ins(%[[IN]] : memref<25xf32>) outs(%[[A]] : memref<25xf32>)
// CHECK: %[[OFF_B:.+]] = arith.constant 128 : index
// CHECK: %[[B:.+]] = memref.view %[[WS]][%[[OFF_B]]][] : memref<256xi8> to memref<25xf32>
// CHECK: linalg.exp ins(%[[A]] : memref<25xf32>) outs(%[[B]] : memref<25xf32>)
// CHECK: %[[OFF_C:.+]] = arith.constant 0 : index
// CHECK: %[[C:.+]] = memref.view %[[WS]][%[[OFF_C]]][] : memref<256xi8> to memref<10xf32>
// CHECK: %[[SLICE:.+]] = memref.subview %[[B]][0] [10] [1]
// CHECK: linalg.copy ins(%[[SLICE]] : memref<10xf32, strided<[1]>>) outs(%[[C]] : memref<10xf32>)
// CHECK: %[[OFF_D:.+]] = arith.constant 64 : index
// CHECK: %[[D:.+]] = memref.view %[[WS]][%[[OFF_D]]][] : memref<256xi8> to memref<10xf32>
// CHECK: linalg.exp ins(%[[C]] : memref<10xf32>) outs(%[[D]] : memref<10xf32>)
// CHECK: linalg.copy ins(%[[D]] : memref<10xf32>) outs(%[[OUT]] : memref<10xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return

// Only the entry function is planned: a helper keeps its allocation and its
// signature.
// CHECK-LABEL: func.func @helper
// CHECK-SAME: (%{{.+}}: memref<4xf32>)
// CHECK: memref.alloc() : memref<4xf32>
// CHECK-NOT: memref.view
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 25>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 10>}]}
} {
  func.func @m_run(%in: memref<25xf32> {mbert.entry_argument = #mbert.entry_argument<input>},
                   %out: memref<10xf32> {bufferize.result}) {
    %a = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    linalg.exp ins(%in : memref<25xf32>) outs(%a : memref<25xf32>)
    %b = memref.alloc() {alignment = 64 : i64} : memref<25xf32>
    linalg.exp ins(%a : memref<25xf32>) outs(%b : memref<25xf32>)
    %c = memref.alloc() {alignment = 64 : i64} : memref<10xf32>
    %slice = memref.subview %b[0] [10] [1] : memref<25xf32> to memref<10xf32, strided<[1]>>
    linalg.copy ins(%slice : memref<10xf32, strided<[1]>>) outs(%c : memref<10xf32>)
    %d = memref.alloc() {alignment = 64 : i64} : memref<10xf32>
    linalg.exp ins(%c : memref<10xf32>) outs(%d : memref<10xf32>)
    linalg.copy ins(%d : memref<10xf32>) outs(%out : memref<10xf32>)
    memref.dealloc %d : memref<10xf32>
    return
  }

  func.func @helper(%x: memref<4xf32>) {
    %tmp = memref.alloc() : memref<4xf32>
    linalg.copy ins(%x : memref<4xf32>) outs(%tmp : memref<4xf32>)
    return
  }
}
