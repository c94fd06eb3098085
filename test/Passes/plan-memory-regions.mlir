// RUN: mbert-opt %s --split-input-file --pass-pipeline="builtin.module(mbert-plan-memory)" | FileCheck %s

// The loops of an mbert.parallel_region run without barriers between them:
// thread b may run block b of L4 while another thread still runs its block of
// L2. Each loop gets a tick of its own, and two buffers the region uses at
// different ticks share bytes only from the same offset, and only when both
// lay out the partition's rows with the same bytes per row: block b's bytes
// of one are then block b's bytes of the other, which only thread b touches.
//
// Ticks: the region's six loops are t..t+5, then the copy to the output
// t+6, G's exp t+7 and G's copy t+8. Lifetimes, sizes, bytes per row:
//   A 8x4 f32                      [t, t+1]    128  16
//   B 8x4 f32 (1x8x4 in L3)        [t+1, t+2]  128  16
//   C 8x4 f32                      [t+2, t+3]  128  16
//   P 4x8 f32, rows in pairs       [t+3, t+4]  128  16
//   D 8x8 f32                      [t+4, t+6]  256  32
//   E rows 8..15 of a 16x4 f32     [t+5, t+5]  256  none: its row 0 is E's row 8
//   G 8x4 f32, after the region    [t+7, t+8]  128
// Largest first: D at 0; E overlaps D, at 256; A may not share D's bytes
// (32 bytes a row against 16) nor E's, at 512; B overlaps A, at 640. C is
// dead-disjoint from A with A's rows: at A's 512. P overlaps C and may take
// B's offset: 640. G comes after the region's barrier: anywhere, at 0.
// Workspace 768 bytes (every buffer apart would take 1024); peak live D + E
// = 512 at t+5.

// CHECK: module attributes
// CHECK-SAME: mbert.peak_live_bytes = 512 : i64
// CHECK-SAME: mbert.workspace_size = 768 : i64

// CHECK-LABEL: func.func @m_run
// CHECK: mbert.pool_threads
// CHECK: %[[OFF_A:.+]] = arith.constant 512 : index
// CHECK-NEXT: %[[A:.+]] = memref.view %{{.+}}[%[[OFF_A]]][] : memref<768xi8> to memref<8x4xf32>
// CHECK: %[[OFF_B:.+]] = arith.constant 640 : index
// CHECK-NEXT: %[[B:.+]] = memref.view %{{.+}}[%[[OFF_B]]][] : memref<768xi8> to memref<8x4xf32>
// CHECK: %[[OFF_C:.+]] = arith.constant 512 : index
// CHECK-NEXT: %[[C:.+]] = memref.view %{{.+}}[%[[OFF_C]]][] : memref<768xi8> to memref<8x4xf32>
// CHECK: %[[OFF_P:.+]] = arith.constant 640 : index
// CHECK-NEXT: %[[P:.+]] = memref.view %{{.+}}[%[[OFF_P]]][] : memref<768xi8> to memref<4x8xf32>
// CHECK: %[[OFF_D:.+]] = arith.constant 0 : index
// CHECK-NEXT: %[[D:.+]] = memref.view %{{.+}}[%[[OFF_D]]][] : memref<768xi8> to memref<8x8xf32>
// CHECK: %[[OFF_E:.+]] = arith.constant 256 : index
// CHECK-NEXT: %[[E:.+]] = memref.view %{{.+}}[%[[OFF_E]]][] : memref<768xi8> to memref<16x4xf32>
// CHECK: mbert.parallel_region
// CHECK: memref.store %{{.+}}, %[[A]]
// CHECK: memref.store %{{.+}}, %[[B]]
// CHECK: memref.store %{{.+}}, %[[C]]
// CHECK: memref.store %{{.+}}, %[[P]]
// CHECK: memref.store %{{.+}}, %[[D]]
// CHECK: linalg.copy ins(%[[D]] : memref<8x8xf32>)
// CHECK: %[[OFF_G:.+]] = arith.constant 0 : index
// CHECK: %[[G:.+]] = memref.view %{{.+}}[%[[OFF_G]]][] : memref<768xi8> to memref<8x4xf32>
// CHECK: linalg.exp ins(%{{.+}} : memref<8x4xf32>) outs(%[[G]] : memref<8x4xf32>)

#rows8 = #mbert.row_partition<rows = 8, tile_rows = 4>
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 8, 4>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 8, 8>}]}
} {
  func.func @m_run(%in: memref<8x4xf32> {mbert.entry_argument = #mbert.entry_argument<input>},
                   %out: memref<8x8xf32> {bufferize.result}) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %threads = mbert.pool_threads
    %count = arith.muli %threads, %c2 : index
    %thread_count = arith.index_cast %threads : index to i64
    %a = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    %a_left = memref.subview %a[0, 0] [8, 2] [1, 1] : memref<8x4xf32> to memref<8x2xf32, strided<[4, 1]>>
    %b = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    %b_3d = memref.expand_shape %b [[0, 1], [2]] output_shape [1, 8, 4] : memref<8x4xf32> into memref<1x8x4xf32>
    %c = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    %p = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
    %d = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
    %e = memref.alloc() {alignment = 64 : i64} : memref<16x4xf32>
    %e_low = memref.subview %e[8, 0] [8, 4] [1, 1] : memref<16x4xf32> to memref<8x4xf32, strided<[4, 1], offset: 32>>
    mbert.parallel_region threads(%thread_count) {
      scf.forall (%i) in (%count) {
        %x = memref.load %in[%i, %c0] : memref<8x4xf32>
        memref.store %x, %a[%i, %c0] : memref<8x4xf32>
      } {mbert.row_partition = #rows8}
      scf.forall (%i) in (%count) {
        %x = memref.load %a_left[%i, %c0] : memref<8x2xf32, strided<[4, 1]>>
        memref.store %x, %b[%i, %c0] : memref<8x4xf32>
      } {mbert.row_partition = #rows8}
      scf.forall (%i) in (%count) {
        %x = memref.load %b_3d[%c0, %i, %c0] : memref<1x8x4xf32>
        memref.store %x, %c[%i, %c0] : memref<8x4xf32>
      } {mbert.row_partition = #rows8}
      scf.forall (%i) in (%count) {
        %x = memref.load %c[%i, %c0] : memref<8x4xf32>
        memref.store %x, %p[%c0, %i] : memref<4x8xf32>
      } {mbert.row_partition = #rows8}
      scf.forall (%i) in (%count) {
        %x = memref.load %p[%c0, %i] : memref<4x8xf32>
        memref.store %x, %d[%i, %c0] : memref<8x8xf32>
      } {mbert.row_partition = #rows8}
      scf.forall (%i) in (%count) {
        %x = memref.load %d[%i, %c0] : memref<8x8xf32>
        memref.store %x, %e_low[%i, %c0] : memref<8x4xf32, strided<[4, 1], offset: 32>>
      } {mbert.row_partition = #rows8}
    }
    linalg.copy ins(%d : memref<8x8xf32>) outs(%out : memref<8x8xf32>)
    %g = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    linalg.exp ins(%in : memref<8x4xf32>) outs(%g : memref<8x4xf32>)
    %out_left = memref.subview %out[0, 0] [8, 4] [1, 1] : memref<8x8xf32> to memref<8x4xf32, strided<[8, 1]>>
    linalg.copy ins(%g : memref<8x4xf32>) outs(%out_left : memref<8x4xf32, strided<[8, 1]>>)
    return
  }
}

// -----

// A region whose loops carry no row partition says nothing of which rows a
// thread touches: its buffers keep bytes of their own even when their ticks
// do not meet. A [t, t+1], B [t+1, t+2], C [t+2, t+3], 128 bytes each: A at
// 0, B at 128, C at 256 (where A's bytes would do outside a region).

// CHECK: mbert.workspace_size = 384 : i64
// CHECK-LABEL: func.func @m_run
// CHECK: %[[OFF_A:.+]] = arith.constant 0 : index
// CHECK-NEXT: %[[A:.+]] = memref.view %{{.+}}[%[[OFF_A]]][] : memref<384xi8> to memref<8x4xf32>
// CHECK: %[[OFF_B:.+]] = arith.constant 128 : index
// CHECK-NEXT: %[[B:.+]] = memref.view %{{.+}}[%[[OFF_B]]][] : memref<384xi8> to memref<8x4xf32>
// CHECK: %[[OFF_C:.+]] = arith.constant 256 : index
// CHECK-NEXT: %[[C:.+]] = memref.view %{{.+}}[%[[OFF_C]]][] : memref<384xi8> to memref<8x4xf32>
// CHECK: mbert.parallel_region
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 8, 4>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 8, 4>}]}
} {
  func.func @m_run(%in: memref<8x4xf32> {mbert.entry_argument = #mbert.entry_argument<input>},
                   %out: memref<8x4xf32> {bufferize.result}, %threads: i64) {
    %a = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    %b = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    %c = memref.alloc() {alignment = 64 : i64} : memref<8x4xf32>
    mbert.parallel_region threads(%threads) {
      linalg.exp ins(%in : memref<8x4xf32>) outs(%a : memref<8x4xf32>)
      linalg.exp ins(%a : memref<8x4xf32>) outs(%b : memref<8x4xf32>)
      linalg.exp ins(%b : memref<8x4xf32>) outs(%c : memref<8x4xf32>)
      linalg.exp ins(%c : memref<8x4xf32>) outs(%out : memref<8x4xf32>)
    }
    return
  }
}
