// RUN: mbert-opt %s | mbert-opt | FileCheck %s
// RUN: mbert-opt %s --mlir-print-op-generic | mbert-opt | FileCheck %s

// CHECK-LABEL: func @ops
func.func @ops(%h: tensor<1x8x512xf32>, %w: tensor<512x128xf32>, %b: tensor<128xf32>,
               %r: tensor<1x8x128xf32>, %mask: tensor<1x1x1x8xf32>) -> tensor<1x8x128xf32> {
  // CHECK: mbert.linear %{{.*}}, %{{.*}} : (tensor<1x8x512xf32>, tensor<512x128xf32>) -> tensor<1x8x128xf32>
  %0 = mbert.linear %h, %w : (tensor<1x8x512xf32>, tensor<512x128xf32>) -> tensor<1x8x128xf32>
  // CHECK: mbert.linear %{{.*}}, %{{.*}} bias(%{{.*}}) residual(%{{.*}}) {activation = #mbert.activation<relu>}
  %1 = mbert.linear %h, %w bias(%b) residual(%r) {activation = #mbert.activation<relu>} : (tensor<1x8x512xf32>, tensor<512x128xf32>, tensor<128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  // CHECK: mbert.linear %{{.*}}, %{{.*}} residual(%{{.*}}) residual_scale(%{{.*}}) :
  %5 = mbert.linear %h, %w residual(%r) residual_scale(%b) : (tensor<1x8x512xf32>, tensor<512x128xf32>, tensor<1x8x128xf32>, tensor<128xf32>) -> tensor<1x8x128xf32>
  // CHECK: mbert.no_norm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x8x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x8x128xf32>
  %2 = mbert.no_norm %1, %b, %b : (tensor<1x8x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<1x8x128xf32>
  // CHECK: mbert.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) {num_heads = 4 : i64, scale = 0.176776692 : f32}
  %3 = mbert.attention %0, %2, %1 mask(%mask) {num_heads = 4 : i64, scale = 0.176776692 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x128xf32>
  // CHECK: mbert.attention %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 4 : i64, scale = 1.000000e+00 : f32}
  %4 = mbert.attention %3, %3, %3 {num_heads = 4 : i64, scale = 1.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return %4 : tensor<1x8x128xf32>
}

// CHECK-LABEL: func @embeddings
func.func @embeddings(%ids: tensor<2x8xi64>, %table: tensor<50x4xf32>, %w: tensor<12x16xf32>,
                      %b: tensor<16xf32>, %pos: tensor<8x16xf32>, %pos3: tensor<1x8x16xf32>,
                      %types: tensor<2x8xi32>, %type_table: tensor<2x16xf32>)
    -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) {
  // CHECK: mbert.embedding %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>) -> tensor<2x8x16xf32>
  %0 = mbert.embedding %ids, %table, %w : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>) -> tensor<2x8x16xf32>
  // CHECK: mbert.embedding %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) position(%{{.*}}) token_types(%{{.*}}, %{{.*}}) : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<2x8xi32>, tensor<2x16xf32>) -> tensor<2x8x16xf32>
  %1 = mbert.embedding %ids, %table, %w bias(%b) position(%pos) token_types(%types, %type_table) : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<2x8xi32>, tensor<2x16xf32>) -> tensor<2x8x16xf32>
  // CHECK: mbert.embedding %{{.*}}, %{{.*}}, %{{.*}} position(%{{.*}}) : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<1x8x16xf32>) -> tensor<2x8x16xf32>
  %2 = mbert.embedding %ids, %table, %w position(%pos3) : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<1x8x16xf32>) -> tensor<2x8x16xf32>
  return %0, %1, %2 : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
}

// A parallel region of row-partitioned loops, and the pool's table of
// where each loop's blocks start.
// CHECK-LABEL: func @parallel_region
// CHECK: %[[THREADS:.+]] = mbert.pool_threads
// CHECK: %[[STARTS:.+]] = mbert.pool_block_starts : memref<1025xi32>
// CHECK: mbert.parallel_region threads(%{{.+}}) {
// CHECK-NEXT: scf.forall
// CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
// CHECK-NEXT: }
func.func @parallel_region(%out: memref<8xf32>) {
  %threads = mbert.pool_threads
  %starts = mbert.pool_block_starts : memref<1025xi32>
  %count = arith.index_cast %threads : index to i64
  %zero = arith.constant 0.0 : f32
  mbert.parallel_region threads(%count) {
    scf.forall (%i) in (%threads) {
      %start = memref.load %starts[%i] : memref<1025xi32>
      %row = arith.index_castui %start : i32 to index
      memref.store %zero, %out[%row] : memref<8xf32>
    } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
  }
  return
}
