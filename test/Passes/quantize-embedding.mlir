// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-quantize-embedding)" | FileCheck %s

// Each word-table row gets scale max |row| / 127: row 0 (max 1.27) 0.01, so
// 0.5 -> 50 and -1.27 -> -127; the all-zero row 1 scale 1; row 2 (max 2.54)
// 0.02, so 2.54 -> 127 and 1.0 -> 50. Projection, bias and addends stay f32.
// CHECK-LABEL: func @embedding
// CHECK-DAG: %[[T:.+]] = onnx.Constant dense<{{\[}}[50, -127], [0, 0], [127, 50]]> : tensor<3x2xi8>
// CHECK-DAG: %[[S:.+]] = onnx.Constant dense<[0.00999999977, 1.000000e+00, 2.000000e-02]> : tensor<3xf32>
// CHECK: mbert.embedding %arg0, %[[T]] row_scale(%[[S]]), %{{.+}} bias(%{{.+}}) : (tensor<1x4xi64>, tensor<3x2xi8>, tensor<3xf32>, tensor<6x4xf32>, tensor<4xf32>) -> tensor<1x4x4xf32>
func.func @embedding(%ids: tensor<1x4xi64>) -> tensor<1x4x4xf32> {
  %table = onnx.Constant dense<[[0.5, -1.27], [0.0, 0.0], [2.54, 1.0]]> : tensor<3x2xf32>
  %w = onnx.Constant dense<1.0> : tensor<6x4xf32>
  %b = onnx.Constant dense<0.5> : tensor<4xf32>
  %0 = mbert.embedding %ids, %table, %w bias(%b) : (tensor<1x4xi64>, tensor<3x2xf32>, tensor<6x4xf32>, tensor<4xf32>) -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}

// A table that is not a constant is left alone.
// CHECK-LABEL: func @not_constant
// CHECK: mbert.embedding %arg0, %arg1, %{{.+}} : (tensor<1x4xi64>, tensor<3x2xf32>, tensor<6x4xf32>) -> tensor<1x4x4xf32>
func.func @not_constant(%ids: tensor<1x4xi64>, %table: tensor<3x2xf32>) -> tensor<1x4x4xf32> {
  %w = onnx.Constant dense<1.0> : tensor<6x4xf32>
  %0 = mbert.embedding %ids, %table, %w : (tensor<1x4xi64>, tensor<3x2xf32>, tensor<6x4xf32>) -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}
