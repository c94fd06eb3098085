// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-form-parallel-regions)" | FileCheck %s

// Parallel loops with the same #mbert.row_partition whose counts are
// mbert.pool_threads times a whole number, one after the other, go into one
// mbert.parallel_region of that many threads. An allocation or a view
// between two of them moves before the region (the memory plan then lets the
// region's buffers share bytes only block of rows by block of rows); what
// comes after the last loop of a run stays where it is. An op that touches
// memory, a loop with another partition, and a loop whose count is not
// counted in threads end a run; a run of one loop stays a plain loop. A count
// of T itself is T times 1.

#rows8 = #mbert.row_partition<rows = 8, tile_rows = 4>
#rows16 = #mbert.row_partition<rows = 16, tile_rows = 4>

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  // CHECK-LABEL: func.func @m_run
  // CHECK-SAME: (%[[IN:[^:]+]]: memref<8x4xf32>, %[[OUT:[^:]+]]: memref<8x4xf32>, %[[WIDE:[^:]+]]: memref<16x4xf32>)
  func.func @m_run(%in: memref<8x4xf32>, %out: memref<8x4xf32>, %wide: memref<16x4xf32>) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %threads = mbert.pool_threads
    %count = arith.muli %threads, %c2 : index
    // CHECK: %[[THREADS:.+]] = mbert.pool_threads
    // CHECK: %[[COUNT:.+]] = arith.muli %[[THREADS]], %{{.+}} : index
    // CHECK: %[[FIRST:.+]] = memref.alloc() : memref<8x4xf32>
    %first = memref.alloc() : memref<8x4xf32>
    // The allocation and the view between the first two loops.
    // CHECK-NEXT: %[[SECOND:.+]] = memref.alloc() : memref<8x4xf32>
    // CHECK-NEXT: %[[ROWS:.+]] = memref.subview %[[SECOND]]
    // CHECK-NEXT: %[[THREAD_COUNT:.+]] = arith.index_cast %[[THREADS]] : index to i64
    // CHECK-NEXT: mbert.parallel_region threads(%[[THREAD_COUNT]]) {
    // CHECK-NEXT: scf.forall (%{{.+}}) in (%[[COUNT]])
    // CHECK: memref.store %{{.+}}, %[[FIRST]]
    // CHECK-NEXT: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
    // CHECK-NEXT: scf.forall (%{{.+}}) in (%[[COUNT]])
    // CHECK: memref.store %{{.+}}, %[[ROWS]]
    // CHECK-NEXT: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
    // CHECK-NEXT: scf.forall (%{{.+}}) in (%[[COUNT]])
    // CHECK: memref.store %{{.+}}, %[[OUT]]
    // CHECK-NEXT: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
    // CHECK-NEXT: }
    scf.forall (%i) in (%count) {
      %x = memref.load %in[%i, %c0] : memref<8x4xf32>
      memref.store %x, %first[%i, %c0] : memref<8x4xf32>
    } {mbert.row_partition = #rows8}
    %second = memref.alloc() : memref<8x4xf32>
    %rows = memref.subview %second[0, 0] [8, 2] [1, 1] : memref<8x4xf32> to memref<8x2xf32, strided<[4, 1]>>
    scf.forall (%i) in (%count) {
      %x = memref.load %first[%i, %c0] : memref<8x4xf32>
      memref.store %x, %rows[%i, %c0] : memref<8x2xf32, strided<[4, 1]>>
    } {mbert.row_partition = #rows8}
    scf.forall (%i) in (%count) {
      %x = memref.load %second[%i, %c0] : memref<8x4xf32>
      memref.store %x, %out[%i, %c0] : memref<8x4xf32>
    } {mbert.row_partition = #rows8}
    // After the region's last loop: stays.
    // CHECK-NEXT: %[[THIRD:.+]] = memref.alloc() : memref<8x4xf32>
    %third = memref.alloc() : memref<8x4xf32>

    // Another partition starts another run: two loops over 16 rows, then a
    // copy, which touches memory, then one more loop over 16 rows alone.
    // CHECK: mbert.parallel_region threads(%{{.+}}) {
    // CHECK-NEXT: scf.forall
    // CHECK: #mbert.row_partition<rows = 16, tile_rows = 4>}
    // CHECK-NEXT: scf.forall
    // CHECK: #mbert.row_partition<rows = 16, tile_rows = 4>}
    // CHECK-NEXT: {{^ *}$}}
    // CHECK-NEXT: memref.copy
    // CHECK-NEXT: scf.forall
    // CHECK: #mbert.row_partition<rows = 16, tile_rows = 4>}
    scf.forall (%i) in (%count) {
      %x = memref.load %wide[%i, %c0] : memref<16x4xf32>
      memref.store %x, %wide[%i, %c0] : memref<16x4xf32>
    } {mbert.row_partition = #rows16}
    scf.forall (%i) in (%count) {
      %x = memref.load %wide[%i, %c0] : memref<16x4xf32>
      memref.store %x, %wide[%i, %c0] : memref<16x4xf32>
    } {mbert.row_partition = #rows16}
    memref.copy %in, %third : memref<8x4xf32> to memref<8x4xf32>
    scf.forall (%i) in (%count) {
      %x = memref.load %wide[%i, %c0] : memref<16x4xf32>
      memref.store %x, %wide[%i, %c0] : memref<16x4xf32>
    } {mbert.row_partition = #rows16}

    // A count of the threads themselves (m = 1, a loop over the blocks, as
    // a row quantization's) joins a run like a multiple of them.
    // CHECK: mbert.parallel_region threads(%{{.+}}) {
    // CHECK-NEXT: scf.forall (%{{.+}}) in (%[[THREADS]])
    // CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
    // CHECK-NEXT: scf.forall (%{{.+}}) in (%[[COUNT]])
    // CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
    // CHECK-NEXT: }
    scf.forall (%block) in (%threads) {
      %x = memref.load %in[%block, %c0] : memref<8x4xf32>
      memref.store %x, %first[%block, %c0] : memref<8x4xf32>
    } {mbert.row_partition = #rows8}
    scf.forall (%i) in (%count) {
      %x = memref.load %first[%i, %c0] : memref<8x4xf32>
      memref.store %x, %out[%i, %c0] : memref<8x4xf32>
    } {mbert.row_partition = #rows8}

    // A count that is not counted in threads: no region.
    // CHECK-NOT: mbert.parallel_region
    // CHECK: scf.forall (%{{.+}}) in (%c2)
    // CHECK: scf.forall (%{{.+}}) in (%c2)
    // CHECK: return
    scf.forall (%i) in (%c2) {
      %x = memref.load %in[%i, %c0] : memref<8x4xf32>
      memref.store %x, %out[%i, %c0] : memref<8x4xf32>
    } {mbert.row_partition = #rows8}
    scf.forall (%i) in (%c2) {
      %x = memref.load %in[%i, %c0] : memref<8x4xf32>
      memref.store %x, %out[%i, %c0] : memref<8x4xf32>
    } {mbert.row_partition = #rows8}
    return
  }
}
