// RUN: mbert-opt %s -canonicalize | FileCheck %s

// An exporter computes the head-split shape from the input at run time. With
// a static input every step folds and the Reshape sees a constant target.
// CHECK-LABEL: func @shape_plumbing
func.func @shape_plumbing(%x: tensor<1x128x128xf32>) -> tensor<1x128x4x32xf32> {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c1 = onnx.Constant dense<1> : tensor<i64>
  %axes = onnx.Constant dense<0> : tensor<1xi64>
  %heads = onnx.Constant dense<4> : tensor<1xi64>
  %dim = onnx.Constant dense<32> : tensor<1xi64>
  %shape = onnx.Shape %x : (tensor<1x128x128xf32>) -> tensor<3xi64>
  %b = onnx.Gather %shape, %c0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = onnx.Gather %shape, %c1 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = onnx.Unsqueeze %b, %axes : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %s1 = onnx.Unsqueeze %s, %axes : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %target = onnx.Concat %b1, %s1, %heads, %dim {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  // CHECK: %[[TARGET:.+]] = onnx.Constant dense<[1, 128, 4, 32]> : tensor<4xi64>
  // CHECK-NOT: onnx.Shape
  // CHECK-NOT: onnx.Gather
  // CHECK-NOT: onnx.Concat
  // CHECK: onnx.Reshape %{{.*}}, %[[TARGET]]
  %r = onnx.Reshape %x, %target : (tensor<1x128x128xf32>, tensor<4xi64>) -> tensor<1x128x4x32xf32>
  return %r : tensor<1x128x4x32xf32>
}

// The attention mask bias: (1 - mask) * -10000 folds only when the mask is
// constant; with a graph input it stays.
// CHECK-LABEL: func @arithmetic
func.func @arithmetic() -> (tensor<2xf32>, tensor<2xi64>, tensor<3xi1>) {
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %mask = onnx.Constant dense<[1.0, 0.0]> : tensor<2xf32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %inv = onnx.Sub %one, %mask : (tensor<f32>, tensor<2xf32>) -> tensor<2xf32>
  %bias = onnx.Mul %inv, %big : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  // CHECK-DAG: onnx.Constant dense<[-0.000000e+00, -1.000000e+04]> : tensor<2xf32>
  %seven = onnx.Constant dense<[7, -7]> : tensor<2xi64>
  %two = onnx.Constant dense<2> : tensor<i64>
  %q = onnx.Div %seven, %two : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  // CHECK-DAG: onnx.Constant dense<[3, -3]> : tensor<2xi64>
  %f = onnx.Constant dense<[0.0, 2.5, -1.0]> : tensor<3xf32>
  %b = onnx.Cast %f {to = i1} : (tensor<3xf32>) -> tensor<3xi1>
  // CHECK-DAG: onnx.Constant dense<[false, true, true]> : tensor<3xi1>
  return %bias, %q, %b : tensor<2xf32>, tensor<2xi64>, tensor<3xi1>
}

// CHECK-LABEL: func @data_movement
func.func @data_movement() -> (tensor<2x2xi64>, tensor<3xi64>, tensor<2x3xi64>, tensor<2x2xi64>) {
  %m = onnx.Constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = onnx.Transpose %m : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %starts = onnx.Constant dense<[2]> : tensor<1xi64>
  %ends = onnx.Constant dense<[-100]> : tensor<1xi64>
  %steps = onnx.Constant dense<[-1]> : tensor<1xi64>
  %axes = onnx.Constant dense<[1]> : tensor<1xi64>
  // Negative step: columns 2 and 1 and 0, clamped end.
  %s = onnx.Slice %m, %starts, %ends, %axes, %steps {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>} : (tensor<2x3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3xi64>
  // CHECK-DAG: onnx.Constant dense<{{\[}}[3, 2, 1], [6, 5, 4]]> : tensor<2x3xi64>
  %idx = onnx.Constant dense<[-1, 0]> : tensor<2xi64>
  %g = onnx.Gather %t, %idx {axis = 1 : i64} : (tensor<3x2xi64>, tensor<2xi64>) -> tensor<3x2xi64>
  %shape = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %e = onnx.Expand %starts, %shape : (tensor<1xi64>, tensor<2xi64>) -> tensor<2x3xi64>
  %r = onnx.Constant dense<[3]> : tensor<1xi64>
  %two = onnx.Constant dense<2> : tensor<1xi64>
  %sl_s = onnx.Constant dense<0> : tensor<1xi64>
  %first = onnx.Slice %g, %sl_s, %two {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<3x2xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x2xi64>
  // Gather of column -1 then column 0 of the transpose, first two rows.
  // CHECK-DAG: onnx.Constant dense<{{\[}}[4, 1], [5, 2]]> : tensor<2x2xi64>
  %c = onnx.Concat %starts, %two, %r {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  // CHECK-DAG: onnx.Constant dense<[2, 2, 3]> : tensor<3xi64>
  return %first, %c, %s, %first : tensor<2x2xi64>, tensor<3xi64>, tensor<2x3xi64>, tensor<2x2xi64>
}

// QuantizeLinear of constants folds: x / scale rounded half to even, plus
// the zero point, saturated to the type (per axis 1 here: scales 0.5, 1, 2).
// 0.25 / 0.5 = 0.5 -> 0, 0.75 / 0.5 = 1.5 -> 2, 300 -> 127 (saturated),
// -2.5 -> -2 + 10 = 8, 5 / 2 = 2.5 -> 2 - 3 = -1, -1000 / 2 -> -128.
// CHECK-LABEL: func @quantize_constant
// CHECK: onnx.Constant dense<{{\[}}[0, 8, -1], [2, 127, -128]]> : tensor<2x3xi8>
// CHECK-NOT: onnx.QuantizeLinear
func.func @quantize_constant() -> tensor<2x3xi8> {
  %x = onnx.Constant dense<[[0.25, -2.5, 5.0], [0.75, 300.0, -1000.0]]> : tensor<2x3xf32>
  %s = onnx.Constant dense<[0.5, 1.0, 2.0]> : tensor<3xf32>
  %z = onnx.Constant dense<[0, 10, -3]> : tensor<3xi8>
  %q = onnx.QuantizeLinear %x, %s, %z {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xi8>
  return %q : tensor<2x3xi8>
}

