// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-raise-quantized-linears))" | FileCheck %s

// QDQ: an int8 weight quantized per tensor, behind the activation's static
// Q/DQ pair. The linear reads x itself (it quantizes rows at run time), the
// weight keeps its values, the scale is repeated per column and the column
// sums are computed.
// CHECK-LABEL: func.func @qdq_per_tensor
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x3xf32>)
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[1, -2], [3, -4], [5, 127]]> : tensor<3x2xi8>
// CHECK-DAG: %[[S:.+]] = onnx.Constant dense<2.500000e-01> : tensor<2xf32>
// CHECK-DAG: %[[SUMS:.+]] = onnx.Constant dense<[9, 121]> : tensor<2xi32>
// CHECK: %[[Y:.+]] = mbert.linear %[[X]], %[[W]] scale(%[[S]], %[[SUMS]]) : (tensor<1x4x3xf32>, tensor<3x2xi8>, tensor<2xf32>, tensor<2xi32>) -> tensor<1x4x2xf32>
// CHECK-NOT: onnx.QuantizeLinear
// CHECK-NOT: onnx.DequantizeLinear
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[Y]]
func.func @qdq_per_tensor(%x: tensor<1x4x3xf32>) -> tensor<1x4x2xf32> {
  %xs = onnx.Constant dense<0.1> : tensor<f32>
  %xz = onnx.Constant dense<128> : tensor<ui8>
  %xq = onnx.QuantizeLinear %x, %xs, %xz : (tensor<1x4x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x4x3xui8>
  %xd = onnx.DequantizeLinear %xq, %xs, %xz : (tensor<1x4x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x4x3xf32>
  %wq = onnx.Constant dense<[[1, -2], [3, -4], [5, 127]]> : tensor<3x2xi8>
  %ws = onnx.Constant dense<0.25> : tensor<f32>
  %wz = onnx.Constant dense<0> : tensor<i8>
  %w = onnx.DequantizeLinear %wq, %ws, %wz : (tensor<3x2xi8>, tensor<f32>, tensor<i8>) -> tensor<3x2xf32>
  %y = onnx.MatMul %xd, %w : (tensor<1x4x3xf32>, tensor<3x2xf32>) -> tensor<1x4x2xf32>
  return %y : tensor<1x4x2xf32>
}

// uint8 weights with per-column zero points (axis 1): the values are shifted
// by their zero point into int8, exactly.
// CHECK-LABEL: func.func @qdq_uint8_per_column
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[-128, 0], [127, -10]]> : tensor<2x2xi8>
// CHECK-DAG: %[[S:.+]] = onnx.Constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[SUMS:.+]] = onnx.Constant dense<[-1, -10]> : tensor<2xi32>
// CHECK: mbert.linear %{{.+}}, %[[W]] scale(%[[S]], %[[SUMS]])
// CHECK-NOT: onnx.MatMul
func.func @qdq_uint8_per_column(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %wq = onnx.Constant dense<[[0, 10], [255, 0]]> : tensor<2x2xui8>
  %ws = onnx.Constant dense<[0.5, 2.0]> : tensor<2xf32>
  %wz = onnx.Constant dense<[128, 10]> : tensor<2xui8>
  %w = onnx.DequantizeLinear %wq, %ws, %wz {axis = 1 : i64} : (tensor<2x2xui8>, tensor<2xf32>, tensor<2xui8>) -> tensor<2x2xf32>
  %y = onnx.MatMul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// ONNX Runtime's dynamic pattern: DynamicQuantizeLinear, MatMulInteger,
// Cast, and the Mul by the product of both scales; the bias Add after it is
// left for mbert-raise-to-mbert.
// CHECK-LABEL: func.func @dynamic_pattern
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>
// CHECK-DAG: %[[S:.+]] = onnx.Constant dense<[1.250000e-01, 6.250000e-02]> : tensor<2xf32>
// CHECK-DAG: %[[SUMS:.+]] = onnx.Constant dense<[9, 12]> : tensor<2xi32>
// CHECK: %[[Y:.+]] = mbert.linear %[[X]], %[[W]] scale(%[[S]], %[[SUMS]])
// CHECK: onnx.Add %[[Y]]
// CHECK-NOT: onnx.DynamicQuantizeLinear
// CHECK-NOT: onnx.MatMulInteger
func.func @dynamic_pattern(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %xq, %xs, %xz = onnx.DynamicQuantizeLinear %x : (tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
  %wq = onnx.Constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>
  %wz = onnx.Constant dense<0> : tensor<2xi8>
  %ws = onnx.Constant dense<[0.125, 0.0625]> : tensor<2xf32>
  %p = onnx.MatMulInteger %xq, %wq, %xz, %wz {operandSegmentSizes = array<i32: 1, 1, 1, 1>} : (tensor<2x3xui8>, tensor<3x2xi8>, tensor<ui8>, tensor<2xi8>) -> tensor<2x2xi32>
  %pf = onnx.Cast %p {to = f32} : (tensor<2x2xi32>) -> tensor<2x2xf32>
  %s = onnx.Mul %xs, %ws : (tensor<f32>, tensor<2xf32>) -> tensor<2xf32>
  %y = onnx.Mul %pf, %s : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %b = onnx.Constant dense<1.0> : tensor<2xf32>
  %z = onnx.Add %y, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %z : tensor<2x2xf32>
}

// Must not fire: a weight quantized per row (axis 0) has no per-column
// scale; uint8 weights whose zero point cannot shift them into int8; a
// weight that is not a constant. The MatMuls stay; the constant weights are
// dequantized into f32 constants (rows times 0.5 and 2; uint8 read
// unsigned), which the f32 raising takes from there.
// CHECK-LABEL: func.func @not_raised
// CHECK-NOT: mbert.linear
// CHECK: %[[W0:.+]] = onnx.Constant dense<{{\[}}[5.000000e-01, 1.000000e+00], [6.000000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK: onnx.MatMul %{{.+}}, %[[W0]]
// CHECK: %[[W1:.+]] = onnx.Constant dense<{{\[}}[0.000000e+00, 1.000000e+02], [1.275000e+02, 1.500000e+00]]> : tensor<2x2xf32>
// CHECK: onnx.MatMul %{{.+}}, %[[W1]]
// CHECK: %[[W2:.+]] = onnx.DequantizeLinear %{{.+}}, %{{.+}} : (tensor<2x2xi8>, tensor<f32>) -> tensor<2x2xf32>
// CHECK: onnx.MatMul %{{.+}}, %[[W2]]
// CHECK-NOT: mbert.linear
func.func @not_raised(%x: tensor<3x2xf32>, %wq: tensor<2x2xi8>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %rows = onnx.Constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %rs = onnx.Constant dense<[0.5, 2.0]> : tensor<2xf32>
  %w0 = onnx.DequantizeLinear %rows, %rs {axis = 0 : i64} : (tensor<2x2xi8>, tensor<2xf32>) -> tensor<2x2xf32>
  %y0 = onnx.MatMul %x, %w0 : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %wide = onnx.Constant dense<[[0, 200], [255, 3]]> : tensor<2x2xui8>
  %s = onnx.Constant dense<0.5> : tensor<f32>
  %w1 = onnx.DequantizeLinear %wide, %s : (tensor<2x2xui8>, tensor<f32>) -> tensor<2x2xf32>
  %y1 = onnx.MatMul %x, %w1 : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %w2 = onnx.DequantizeLinear %wq, %s : (tensor<2x2xi8>, tensor<f32>) -> tensor<2x2xf32>
  %y2 = onnx.MatMul %x, %w2 : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y0, %y1, %y2 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}
