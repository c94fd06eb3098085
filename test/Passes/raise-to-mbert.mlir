// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-raise-to-mbert))" | FileCheck %s

// A MatMul with a constant 2-D weight becomes a bare linear.
// CHECK-LABEL: func.func @matmul_constant_weight
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x16xf32>)
// CHECK: %[[W:.+]] = onnx.Constant dense<{{.+}}> : tensor<16x4xf32>
// CHECK: %[[Y:.+]] = mbert.linear %[[X]], %[[W]] : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[Y]]
func.func @matmul_constant_weight(%x: tensor<1x8x16xf32>) -> tensor<1x8x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<16x4xf32>
  %y = onnx.MatMul %x, %w : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}

// A [N] bias, then a Relu: both end up in one linear's epilogue.
// CHECK-LABEL: func.func @bias_vector_relu
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x16xf32>)
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{.+}}> : tensor<16x4xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK: %[[Y:.+]] = mbert.linear %[[X]], %[[W]] bias(%[[B]]) {activation = #mbert.activation<relu>} : (tensor<1x8x16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
// CHECK-NOT: onnx.MatMul
// CHECK-NOT: onnx.Add
// CHECK-NOT: onnx.Relu
// CHECK: return %[[Y]]
func.func @bias_vector_relu(%x: tensor<1x8x16xf32>) -> tensor<1x8x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<16x4xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %0, %b : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
  %2 = onnx.Relu %1 : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %2 : tensor<1x8x4xf32>
}

// A [1, 1, N] bias is per-channel too and is reshaped to [N]; the bias may
// also be the Add's first operand.
// CHECK-LABEL: func.func @bias_broadcast_shape
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x16xf32>)
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{.+}}> : tensor<16x4xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]> : tensor<4xf32>
// CHECK: %[[Y:.+]] = mbert.linear %[[X]], %[[W]] bias(%[[B]]) : (tensor<1x8x16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
// CHECK-NOT: onnx.MatMul
// CHECK-NOT: onnx.Add
// CHECK: return %[[Y]]
func.func @bias_broadcast_shape(%x: tensor<1x8x16xf32>) -> tensor<1x8x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<16x4xf32>
  %b = onnx.Constant dense<[[[5.0, 6.0, 7.0, 8.0]]]> : tensor<1x1x4xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %b, %0 : (tensor<1x1x4xf32>, tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %1 : tensor<1x8x4xf32>
}

// NoNorm: Add(Mul(x, gamma), beta) with per-channel constants.
// CHECK-LABEL: func.func @no_norm
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x4xf32>)
// CHECK-DAG: %[[GAMMA:.+]] = onnx.Constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[BETA:.+]] = onnx.Constant dense<[5.000000e-01, 1.500000e+00, 2.500000e+00, 3.500000e+00]> : tensor<4xf32>
// CHECK: %[[Y:.+]] = mbert.no_norm %[[X]], %[[GAMMA]], %[[BETA]] : (tensor<1x8x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
// CHECK-NOT: onnx.Mul
// CHECK-NOT: onnx.Add
// CHECK: return %[[Y]]
func.func @no_norm(%x: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %gamma = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %beta = onnx.Constant dense<[[[0.5, 1.5, 2.5, 3.5]]]> : tensor<1x1x4xf32>
  %0 = onnx.Mul %x, %gamma : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %0, %beta : (tensor<1x8x4xf32>, tensor<1x1x4xf32>) -> tensor<1x8x4xf32>
  return %1 : tensor<1x8x4xf32>
}

// Not raised: the weight is a function argument, not a constant.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK-NOT: mbert.linear
// CHECK: onnx.MatMul
// CHECK: onnx.Add
// CHECK-NOT: mbert.linear
// CHECK: return
func.func @weight_not_constant(%x: tensor<1x8x16xf32>, %w: tensor<16x4xf32>) -> tensor<1x8x4xf32> {
  %b = onnx.Constant dense<1.0> : tensor<4xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %0, %b : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
  return %1 : tensor<1x8x4xf32>
}

// A [8, N] addend varies along the sequence: the MatMul is raised, the Add
// stays outside the linear.
// CHECK-LABEL: func.func @bias_not_per_channel
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x16xf32>)
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{.+}}> : tensor<16x4xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<{{.+}}> : tensor<8x4xf32>
// CHECK: %[[L:.+]] = mbert.linear %[[X]], %[[W]] : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
// CHECK: %[[Y:.+]] = onnx.Add %[[L]], %[[B]]
// CHECK: return %[[Y]]
func.func @bias_not_per_channel(%x: tensor<1x8x16xf32>) -> tensor<1x8x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<16x4xf32>
  %b = onnx.Constant dense<1.0> : tensor<8x4xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %0, %b : (tensor<1x8x4xf32>, tensor<8x4xf32>) -> tensor<1x8x4xf32>
  return %1 : tensor<1x8x4xf32>
}

// The linear's result is also returned as is, so absorbing the bias would
// change that value: the Add stays, and so does the Relu after it.
// CHECK-LABEL: func.func @linear_second_user
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x16xf32>)
// CHECK: %[[L:.+]] = mbert.linear %[[X]], %{{.+}} : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
// CHECK-NOT: bias(
// CHECK: %[[A:.+]] = onnx.Add %[[L]], %{{.+}}
// CHECK: %[[R:.+]] = onnx.Relu %[[A]]
// CHECK: return %[[L]], %[[R]]
func.func @linear_second_user(%x: tensor<1x8x16xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x4xf32>) {
  %w = onnx.Constant dense<0.5> : tensor<16x4xf32>
  %b = onnx.Constant dense<1.0> : tensor<4xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x8x16xf32>, tensor<16x4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %0, %b : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
  %2 = onnx.Relu %1 : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %0, %2 : tensor<1x8x4xf32>, tensor<1x8x4xf32>
}

// The Mul's result is also returned, so it must stay and no no_norm appears.
// CHECK-LABEL: func.func @mul_second_user
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x4xf32>)
// CHECK: %[[M:.+]] = onnx.Mul %[[X]], %{{.+}}
// CHECK: %[[A:.+]] = onnx.Add %[[M]], %{{.+}}
// CHECK-NOT: mbert.no_norm
// CHECK: return %[[M]], %[[A]]
func.func @mul_second_user(%x: tensor<1x8x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x8x4xf32>) {
  %gamma = onnx.Constant dense<2.0> : tensor<4xf32>
  %beta = onnx.Constant dense<0.5> : tensor<4xf32>
  %0 = onnx.Mul %x, %gamma : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
  %1 = onnx.Add %0, %beta : (tensor<1x8x4xf32>, tensor<4xf32>) -> tensor<1x8x4xf32>
  return %0, %1 : tensor<1x8x4xf32>, tensor<1x8x4xf32>
}

// A residual add of a full-shape tensor goes into the linear's epilogue.
// CHECK-LABEL: func @residual
// CHECK: %[[L:.+]] = mbert.linear %{{.*}}, %{{.*}} bias(%{{.*}}) residual(%arg1)
// CHECK-NOT: onnx.Add
// CHECK: return %[[L]]
func.func @residual(%x: tensor<1x4x8xf32>, %r: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<8x4xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = onnx.MatMul %x, %w : (tensor<1x4x8xf32>, tensor<8x4xf32>) -> tensor<1x4x4xf32>
  %1 = onnx.Add %0, %b : (tensor<1x4x4xf32>, tensor<4xf32>) -> tensor<1x4x4xf32>
  %2 = onnx.Add %r, %1 : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %2 : tensor<1x4x4xf32>
}

// The exported attention subgraph (head split, Q K^T, Div by sqrt(D), mask
// add, softmax, P V, head merge) becomes one op with scale 1/sqrt(D).
// CHECK-LABEL: func @attention
// CHECK: %[[A:.+]] = mbert.attention %arg0, %arg1, %arg2 mask(%arg3) {num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[A]]
func.func @attention(%q: tensor<1x3x8xf32>, %k: tensor<1x3x8xf32>, %v: tensor<1x3x8xf32>,
                     %mask: tensor<1x1x1x3xf32>) -> tensor<1x3x8xf32> {
  %split = onnx.Constant dense<[1, 3, 2, 4]> : tensor<4xi64>
  %merge = onnx.Constant dense<[1, 3, 8]> : tensor<3xi64>
  %sqrt = onnx.Constant dense<2.0> : tensor<f32>
  %q1 = onnx.Reshape %q, %split : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %q2 = onnx.Transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %k1 = onnx.Reshape %k, %split : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %k2 = onnx.Transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x4x3xf32>
  %v1 = onnx.Reshape %v, %split : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %v2 = onnx.Transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %s = onnx.MatMul %q2, %k2 : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = onnx.Div %s, %sqrt : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %s2 = onnx.Add %s1, %mask : (tensor<1x2x3x3xf32>, tensor<1x1x1x3xf32>) -> tensor<1x2x3x3xf32>
  %p = onnx.Softmax %s2 {axis = 3 : i64} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %c = onnx.MatMul %p, %v2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %c1 = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %c2 = onnx.Reshape %c1, %merge : (tensor<1x3x2x4xf32>, tensor<3xi64>) -> tensor<1x3x8xf32>
  return %c2 : tensor<1x3x8xf32>
}

// Softmax over another axis is not attention: nothing is raised.
// CHECK-LABEL: func @not_attention
// CHECK-NOT: mbert.attention
// CHECK: onnx.Softmax
func.func @not_attention(%q: tensor<1x3x8xf32>, %k: tensor<1x3x8xf32>, %v: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %split = onnx.Constant dense<[1, 3, 2, 4]> : tensor<4xi64>
  %merge = onnx.Constant dense<[1, 3, 8]> : tensor<3xi64>
  %q1 = onnx.Reshape %q, %split : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %q2 = onnx.Transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %k1 = onnx.Reshape %k, %split : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %k2 = onnx.Transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x4x3xf32>
  %v1 = onnx.Reshape %v, %split : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %v2 = onnx.Transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %s = onnx.MatMul %q2, %k2 : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %p = onnx.Softmax %s {axis = 2 : i64} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %c = onnx.MatMul %p, %v2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %c1 = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %c2 = onnx.Reshape %c1, %merge : (tensor<1x3x2x4xf32>, tensor<3xi64>) -> tensor<1x3x8xf32>
  return %c2 : tensor<1x3x8xf32>
}
