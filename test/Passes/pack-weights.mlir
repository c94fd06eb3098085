// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-pack-weights{panel-width=2})" | FileCheck %s
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-pack-weights{panel-width=0})" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: mbert-pack-weights: panel-width must be positive, got 0

// W is [K = 2, N = 3] with W[k, n] = 10 k + n. In panels of 2 columns it
// becomes [2 panels, K, 2]: panel 0 holds columns 0 and 1 row by row, panel
// 1 holds column 2 and a zero column. Bias and epilogue are untouched.
// CHECK-LABEL: func @packed
// CHECK: %[[W:.+]] = onnx.Constant dense<{{\[}}{{\[}}[0.000000e+00, 1.000000e+00], [1.000000e+01, 1.100000e+01]], {{\[}}[2.000000e+00, 0.000000e+00], [1.200000e+01, 0.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK: mbert.linear %arg0, %[[W]] bias(%{{.+}}) {activation = #mbert.activation<relu>, weight_panel_width = 2 : i64} : (tensor<4x2xf32>, tensor<2x2x2xf32>, tensor<3xf32>) -> tensor<4x3xf32>
func.func @packed(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = onnx.Constant dense<[[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]]> : tensor<2x3xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = mbert.linear %x, %w bias(%b) {activation = #mbert.activation<relu>} : (tensor<4x2xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// Not packed: a weight that is not a constant (the kernel reads it as
// [K, N]), and a weight that is already packed.
// CHECK-LABEL: func @not_packed
// CHECK: mbert.linear %arg0, %arg1 : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: mbert.linear %arg0, %[[P:.+]] {weight_panel_width = 4 : i64} : (tensor<4x2xf32>, tensor<1x2x4xf32>) -> tensor<4x3xf32>
func.func @not_packed(%x: tensor<4x2xf32>, %w: tensor<2x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %p = onnx.Constant dense<1.0> : tensor<1x2x4xf32>
  %0 = mbert.linear %x, %w : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = mbert.linear %x, %p {weight_panel_width = 4 : i64} : (tensor<4x2xf32>, tensor<1x2x4xf32>) -> tensor<4x3xf32>
  return %0, %1 : tensor<4x3xf32>, tensor<4x3xf32>
}
