// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-fuse-shared-input-linears)" | FileCheck %s

// Three linears read %h: one GEMM with the columns side by side, and each
// original result is a slice of it.
// CHECK-LABEL: func @fused
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 2.000000e+00, 3.000000e+00], [1.000000e+00, 2.000000e+00, 2.000000e+00, 3.000000e+00]]> : tensor<2x4xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[1.000000e+01, 0.000000e+00, 0.000000e+00, 3.000000e+01]> : tensor<4xf32>
// CHECK: %[[F:.+]] = mbert.linear %arg0, %[[W]] bias(%[[B]]) : (tensor<1x3x2xf32>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
// CHECK: %[[A:.+]] = tensor.extract_slice %[[F]][0, 0, 0] [1, 3, 1] [1, 1, 1]
// CHECK: %[[B2:.+]] = tensor.extract_slice %[[F]][0, 0, 1] [1, 3, 2] [1, 1, 1]
// CHECK: %[[C:.+]] = tensor.extract_slice %[[F]][0, 0, 3] [1, 3, 1] [1, 1, 1]
// CHECK-NOT: mbert.linear
// CHECK: return %[[A]], %[[B2]], %[[C]]
func.func @fused(%h: tensor<1x3x2xf32>) -> (tensor<1x3x1xf32>, tensor<1x3x2xf32>, tensor<1x3x1xf32>) {
  %w1 = onnx.Constant dense<1.0> : tensor<2x1xf32>
  %w2 = onnx.Constant dense<2.0> : tensor<2x2xf32>
  %w3 = onnx.Constant dense<3.0> : tensor<2x1xf32>
  %b1 = onnx.Constant dense<10.0> : tensor<1xf32>
  %b3 = onnx.Constant dense<30.0> : tensor<1xf32>
  %0 = mbert.linear %h, %w1 bias(%b1) : (tensor<1x3x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<1x3x1xf32>
  %1 = mbert.linear %h, %w2 : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %2 = mbert.linear %h, %w3 bias(%b3) : (tensor<1x3x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<1x3x1xf32>
  return %0, %1, %2 : tensor<1x3x1xf32>, tensor<1x3x2xf32>, tensor<1x3x1xf32>
}

// Not fused: different activations, a residual, or different inputs.
// CHECK-LABEL: func @not_fused
// CHECK-COUNT-4: mbert.linear
// CHECK-NOT: tensor.extract_slice
func.func @not_fused(%h: tensor<1x3x2xf32>, %g: tensor<1x3x2xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) {
  %w = onnx.Constant dense<1.0> : tensor<2x2xf32>
  %0 = mbert.linear %h, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %1 = mbert.linear %h, %w {activation = #mbert.activation<relu>} : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %2 = mbert.linear %h, %w residual(%g) : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  %3 = mbert.linear %g, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  return %0, %1, %2, %3 : tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>
}
