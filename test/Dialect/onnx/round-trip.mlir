// RUN: mbert-opt %s | mbert-opt | FileCheck %s
// RUN: mbert-opt %s --mlir-print-op-generic | mbert-opt | FileCheck %s

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x3xi1>) -> tensor<2x3xf32> {
  // CHECK: onnx.Add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: onnx.Sub
  %1 = onnx.Sub %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: onnx.Mul
  %2 = onnx.Mul %1, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: onnx.Div
  %3 = onnx.Div %2, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: onnx.Equal {{.*}} -> tensor<2x3xi1>
  %4 = onnx.Equal %3, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: onnx.Where
  %5 = onnx.Where %c, %3, %a : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: onnx.Relu
  %6 = onnx.Relu %5 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: onnx.Cast {{.*}} {to = i64}
  %7 = onnx.Cast %6 {to = i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
  return %6 : tensor<2x3xf32>
}

// CHECK-LABEL: func @linear_algebra
func.func @linear_algebra(%x: tensor<1x4x8xf32>, %w: tensor<8x16xf32>, %g: tensor<4x8xf32>) -> tensor<4x16xf32> {
  // CHECK: onnx.MatMul {{.*}} -> tensor<1x4x16xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  // CHECK: onnx.Softmax {{.*}} {axis = 1 : i64}
  %1 = onnx.Softmax %0 {axis = 1 : i64} : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  // CHECK: onnx.Gemm {{.*}} {alpha = 5.000000e-01 : f32}
  %2 = onnx.Gemm %g, %w {alpha = 0.5 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// CHECK-LABEL: func @data_movement
func.func @data_movement(%table: tensor<10x4xf32>, %ids: tensor<1x3xi64>, %x: tensor<1x3x4xf32>) -> tensor<1x3x12xf32> {
  %starts = onnx.Constant dense<1> : tensor<1xi64>
  %ends = onnx.Constant dense<3> : tensor<1xi64>
  %axes = onnx.Constant dense<1> : tensor<1xi64>
  %pads = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %shape = onnx.Constant dense<[3, 4]> : tensor<2xi64>
  // CHECK: onnx.Gather {{.*}} -> tensor<1x3x4xf32>
  %0 = onnx.Gather %table, %ids {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  // CHECK: onnx.Slice {{.*}} -> tensor<1x2x4xf32>
  %1 = onnx.Slice %0, %starts, %ends, %axes {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x4xf32>
  // CHECK: onnx.Pad {{.*}} -> tensor<1x3x4xf32>
  %2 = onnx.Pad %1, %pads : (tensor<1x2x4xf32>, tensor<6xi64>) -> tensor<1x3x4xf32>
  // CHECK: onnx.Concat {{.*}} {axis = 2 : i64} {{.*}} -> tensor<1x3x12xf32>
  %3 = onnx.Concat %2, %0, %x {axis = 2 : i64} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x12xf32>
  // CHECK: onnx.Split {{.*}} -> (tensor<1x3x6xf32>, tensor<1x3x6xf32>)
  %4:2 = onnx.Split %3 {axis = 2 : i64, num_outputs = 2 : i64} : (tensor<1x3x12xf32>) -> (tensor<1x3x6xf32>, tensor<1x3x6xf32>)
  // CHECK: onnx.Reshape {{.*}} -> tensor<3x4xf32>
  %5 = onnx.Reshape %x, %shape : (tensor<1x3x4xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  // CHECK: onnx.Transpose {{.*}} {perm = array<i64: 1, 0>} {{.*}} -> tensor<4x3xf32>
  %6 = onnx.Transpose %5 {perm = array<i64: 1, 0>} : (tensor<3x4xf32>) -> tensor<4x3xf32>
  // CHECK: onnx.Unsqueeze {{.*}} -> tensor<1x4x3xf32>
  %zero = onnx.Constant dense<0> : tensor<1xi64>
  %7 = onnx.Unsqueeze %6, %zero : (tensor<4x3xf32>, tensor<1xi64>) -> tensor<1x4x3xf32>
  // CHECK: onnx.Squeeze {{.*}} -> tensor<4x3xf32>
  %8 = onnx.Squeeze %7 : (tensor<1x4x3xf32>) -> tensor<4x3xf32>
  // CHECK: onnx.Shape {{.*}} -> tensor<2xi64>
  %9 = onnx.Shape %8 : (tensor<4x3xf32>) -> tensor<2xi64>
  // CHECK: onnx.ConstantOfShape {{.*}} -> tensor<4x3xf32>
  %10 = onnx.ConstantOfShape %9 : (tensor<2xi64>) -> tensor<4x3xf32>
  // CHECK: onnx.Expand {{.*}} -> tensor<3x4xf32>
  %11 = onnx.Expand %5, %shape : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  return %3 : tensor<1x3x12xf32>
}

// CHECK-LABEL: func @normalization
func.func @normalization(%x: tensor<2x3x4xf32>, %scale: tensor<4xf32>, %bias: tensor<4xf32>, %two: tensor<f32>, %n: tensor<i64>) -> tensor<2x3x4xf32> {
  // CHECK: onnx.ReduceMean {{.*}} {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %0 = onnx.ReduceMean %x {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  // CHECK: onnx.ReduceMean {{.*}} {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
  %1 = onnx.ReduceMean %x {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
  // CHECK: onnx.Pow {{.*}} : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %2 = onnx.Pow %x, %two : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  // CHECK: onnx.Pow {{.*}} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x3x4xf32>
  %3 = onnx.Pow %x, %n : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x3x4xf32>
  // CHECK: onnx.Sqrt {{.*}} -> tensor<2x3x1xf32>
  %4 = onnx.Sqrt %0 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  // CHECK: onnx.LayerNormalization {{.*}} {axis = 1 : i64, epsilon = 9.99999996E-13 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  %5:3 = onnx.LayerNormalization %x, %scale, %bias {axis = 1 : i64, epsilon = 1.0e-12 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  // CHECK: onnx.LayerNormalization {{.*}} : (tensor<2x3x4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x1xf32>)
  %6:3 = onnx.LayerNormalization %x, %scale : (tensor<2x3x4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x1xf32>)
  return %5#0 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func @quantization_ops
// CHECK: onnx.QuantizeLinear {{.*}} -> tensor<2x3xui8>
// CHECK: onnx.DequantizeLinear {{.*}} {axis = 0 : i64} {{.*}} -> tensor<2x3xf32>
// CHECK: onnx.DynamicQuantizeLinear {{.*}} -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
// CHECK: onnx.MatMulInteger {{.*}} -> tensor<2x2xi32>
func.func @quantization_ops(%x: tensor<2x3xf32>, %w: tensor<3x2xi8>) -> (tensor<2x3xui8>, tensor<2x3xf32>, tensor<2x3xui8>, tensor<2x2xi32>) {
  %s = onnx.Constant dense<0.5> : tensor<f32>
  %q = onnx.QuantizeLinear %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xui8>
  %rs = onnx.Constant dense<[0.5, 0.25]> : tensor<2xf32>
  %d = onnx.DequantizeLinear %q, %rs {axis = 0 : i64} : (tensor<2x3xui8>, tensor<2xf32>) -> tensor<2x3xf32>
  %y, %ys, %yz = onnx.DynamicQuantizeLinear %x : (tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
  %p = onnx.MatMulInteger %y, %w {operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x3xui8>, tensor<3x2xi8>) -> tensor<2x2xi32>
  return %q, %d, %y, %p : tensor<2x3xui8>, tensor<2x3xf32>, tensor<2x3xui8>, tensor<2x2xi32>
}
