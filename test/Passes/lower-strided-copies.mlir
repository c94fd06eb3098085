// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-strided-copies))" | FileCheck %s

// A slice written into a concatenation: both sides are 4x8 windows of 4x16
// buffers, so neither is dense and the copy becomes a linalg.copy.
// CHECK-LABEL: func.func @strided_to_strided
// CHECK-SAME: (%[[SRC:.+]]: memref<4x16xf32>, %[[DST:.+]]: memref<4x16xf32>)
// CHECK: %[[FROM:.+]] = memref.subview %[[SRC]][0, 8] [4, 8] [1, 1]
// CHECK: %[[TO:.+]] = memref.subview %[[DST]][0, 0] [4, 8] [1, 1]
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[FROM]] : memref<4x8xf32, strided<[16, 1], offset: 8>>) outs(%[[TO]] : memref<4x8xf32, strided<[16, 1]>>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @strided_to_strided(%src: memref<4x16xf32>, %dst: memref<4x16xf32>) {
  %from = memref.subview %src[0, 8] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  %to = memref.subview %dst[0, 0] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1]>>
  memref.copy %from, %to : memref<4x8xf32, strided<[16, 1], offset: 8>> to memref<4x8xf32, strided<[16, 1]>>
  return
}

// One strided side is enough: a padded interior written from a dense buffer.
// CHECK-LABEL: func.func @dense_to_strided
// CHECK-SAME: (%[[SRC:.+]]: memref<2x3xf32>, %[[DST:.+]]: memref<4x5xf32>)
// CHECK: %[[TO:.+]] = memref.subview %[[DST]][1, 1] [2, 3] [1, 1]
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[SRC]] : memref<2x3xf32>) outs(%[[TO]] : memref<2x3xf32, strided<[5, 1], offset: 6>>)
func.func @dense_to_strided(%src: memref<2x3xf32>, %dst: memref<4x5xf32>) {
  %to = memref.subview %dst[1, 1] [2, 3] [1, 1] : memref<4x5xf32> to memref<2x3xf32, strided<[5, 1], offset: 6>>
  memref.copy %src, %to : memref<2x3xf32> to memref<2x3xf32, strided<[5, 1], offset: 6>>
  return
}

// Dense copies stay memref.copy (they become memcpy): identity layouts, and
// a subview of whole rows, which is contiguous despite its offset.
// CHECK-LABEL: func.func @dense_copies
// CHECK-SAME: (%[[A:.+]]: memref<4x16xf32>, %[[B:.+]]: memref<4x16xf32>, %[[ROWS:.+]]: memref<2x16xf32>)
// CHECK-NOT: linalg.copy
// CHECK: memref.copy %[[A]], %[[B]] : memref<4x16xf32> to memref<4x16xf32>
// CHECK: %[[TAIL:.+]] = memref.subview %[[A]][2, 0] [2, 16] [1, 1]
// CHECK: memref.copy %[[TAIL]], %[[ROWS]] : memref<2x16xf32, strided<[16, 1], offset: 32>> to memref<2x16xf32>
// CHECK-NOT: linalg.copy
// CHECK: return
func.func @dense_copies(%a: memref<4x16xf32>, %b: memref<4x16xf32>, %rows: memref<2x16xf32>) {
  memref.copy %a, %b : memref<4x16xf32> to memref<4x16xf32>
  %tail = memref.subview %a[2, 0] [2, 16] [1, 1] : memref<4x16xf32> to memref<2x16xf32, strided<[16, 1], offset: 32>>
  memref.copy %tail, %rows : memref<2x16xf32, strided<[16, 1], offset: 32>> to memref<2x16xf32>
  return
}
