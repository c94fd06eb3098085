// RUN: not mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg))" 2>&1 | FileCheck %s

// The integer kernels read int8 weights only in their packed layout.
// CHECK: failed to legalize operation 'mbert.linear'
func.func @unpacked(%x: tensor<2x3xf32>, %w: tensor<3x16xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<2x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) : (tensor<2x3xf32>, tensor<3x16xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}
