// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-fold-attention-scale,canonicalize)" | FileCheck %s

// The query projection absorbs the score scale 0.5.
// CHECK-LABEL: func @folded
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<5.000000e-01> : tensor<4x4xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00]>
// CHECK: %[[Q:.+]] = mbert.linear %arg0, %[[W]] bias(%[[B]])
// CHECK: mbert.attention %[[Q]], %arg1, %arg1 {num_heads = 2 : i64, scale = 1.000000e+00 : f32}
func.func @folded(%x: tensor<1x3x4xf32>, %k: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %w = onnx.Constant dense<1.0> : tensor<4x4xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %q = mbert.linear %x, %w bias(%b) : (tensor<1x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  %a = mbert.attention %q, %k, %k {num_heads = 2 : i64, scale = 0.5 : f32} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %a : tensor<1x3x4xf32>
}

// Not folded: the query is also returned (scaling it would change that
// result), or is not a linear at all.
// CHECK-LABEL: func @not_folded
// CHECK: mbert.attention {{.*}} scale = 5.000000e-01
// CHECK: mbert.attention {{.*}} scale = 5.000000e-01
func.func @not_folded(%x: tensor<1x3x4xf32>, %k: tensor<1x3x4xf32>) -> (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) {
  %w = onnx.Constant dense<1.0> : tensor<4x4xf32>
  %q = mbert.linear %x, %w : (tensor<1x3x4xf32>, tensor<4x4xf32>) -> tensor<1x3x4xf32>
  %a = mbert.attention %q, %k, %k {num_heads = 2 : i64, scale = 0.5 : f32} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  %c = mbert.attention %x, %k, %k {num_heads = 2 : i64, scale = 0.5 : f32} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %a, %q, %c : tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>
}
