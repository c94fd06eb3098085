// RUN: mbert-opt %s -split-input-file -verify-diagnostics

func.func @not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes are not broadcastable}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @mixed_element_types(%a: tensor<3xf32>, %b: tensor<3xi64>) {
  // expected-error @+1 {{operand element types differ}}
  %0 = onnx.Add %a, %b : (tensor<3xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @wrong_result_shape(%a: tensor<3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<3xf32>' are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.Relu %a : (tensor<3xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_contraction_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{matmul operand shapes are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = onnx.Softmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_constant_index_out_of_range(%table: tensor<10x4xf32>) {
  %ids = onnx.Constant dense<[1, 10]> : tensor<2xi64>
  // expected-error @+1 {{index 10 is out of range [-10, 10)}}
  %0 = onnx.Gather %table, %ids : (tensor<10x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gather_float_indices(%table: tensor<10x4xf32>, %ids: tensor<2xf32>) {
  // expected-error @+1 {{indices must be int32 or int64}}
  %0 = onnx.Gather %table, %ids : (tensor<10x4xf32>, tensor<2xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @pad_mode(%a: tensor<2xf32>) {
  %pads = onnx.Constant dense<[1, 1]> : tensor<2xi64>
  // expected-error @+1 {{mode 'reflect' is not supported}}
  %0 = onnx.Pad %a, %pads {mode = "reflect"} : (tensor<2xf32>, tensor<2xi64>) -> tensor<4xf32>
  return
}

// -----

func.func @reshape_inconsistent(%a: tensor<2x3xf32>) {
  %shape = onnx.Constant dense<[4, -1]> : tensor<2xi64>
  // expected-error @+2 {{Reshape target shape is inconsistent with the input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.Reshape %a, %shape : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return
}

// -----

func.func @transpose_not_permutation(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = onnx.Transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @split_sizes(%a: tensor<6xf32>) {
  %split = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  // expected-error @+1 {{split sizes sum to 5, axis extent is 6}}
  %0:2 = onnx.Split %a, %split {num_outputs = 2 : i64} : (tensor<6xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<3xf32>)
  return
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error @+1 {{inputs differ in dimension 0 off the concat axis}}
  %0 = onnx.Concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @constant_of_shape_value(%s: tensor<2xi64>) {
  // expected-error @+1 {{value must hold exactly one element, got 2}}
  %0 = onnx.ConstantOfShape %s {value = dense<[1.0, 2.0]> : tensor<2xf32>} : (tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @sqrt_of_integers(%a: tensor<3xi64>) {
  // expected-error @+1 {{needs a float tensor}}
  %0 = onnx.Sqrt %a : (tensor<3xi64>) -> tensor<3xi64>
  return
}

// -----

func.func @pow_of_bools(%a: tensor<3xf32>, %b: tensor<3xi1>) {
  // expected-error @+1 {{operands must be float or signed integer tensors}}
  %0 = onnx.Pow %a, %b : (tensor<3xf32>, tensor<3xi1>) -> tensor<3xf32>
  return
}

// -----

func.func @reduce_mean_repeated_axis(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{ReduceMean axes are out of range or repeated}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.ReduceMean %a {axes = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_mean_of_bools(%a: tensor<2x3xi1>) {
  // expected-error @+1 {{cannot average bool values}}
  %0 = onnx.ReduceMean %a : (tensor<2x3xi1>) -> tensor<1x1xi1>
  return
}

// -----

func.func @layer_norm_axis_out_of_range(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0:3 = onnx.LayerNormalization %x, %s {axis = 2 : i64} : (tensor<2x4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @layer_norm_scale_too_wide(%x: tensor<2x4xf32>, %s: tensor<2x4xf32>) {
  // Scale broadcasts to the normalized dimensions [4] only, not to the whole input.
  // expected-error @+1 {{scale and bias must broadcast to the normalized shape}}
  %0:3 = onnx.LayerNormalization %x, %s : (tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @layer_norm_double(%x: tensor<2x4xf64>, %s: tensor<4xf64>) {
  // expected-error @+1 {{only float32 input is supported}}
  %0:3 = onnx.LayerNormalization %x, %s : (tensor<2x4xf64>, tensor<4xf64>) -> (tensor<2x4xf64>, tensor<2x1xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @gather_axis_out_of_range(%x: tensor<2x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = onnx.Gather %x, %i {axis = -3 : i64} : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @concat_axis_out_of_range(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = onnx.Concat %x, %x {axis = 2 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @split_axis_out_of_range(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{axis 5 is out of range for rank 2}}
  %0:2 = onnx.Split %x {axis = 5 : i64, num_outputs = 2 : i64} : (tensor<2x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>)
  return
}

// -----

func.func @quantize_zero_scale(%x: tensor<4xf32>) {
  %s = onnx.Constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{scale must be positive and finite, got 0}}
  %0 = onnx.QuantizeLinear %x, %s : (tensor<4xf32>, tensor<f32>) -> tensor<4xui8>
  return
}

// -----

func.func @dequantize_scale_per_axis_count(%x: tensor<2x3xi8>) {
  %s = onnx.Constant dense<[1.0, 2.0]> : tensor<2xf32>
  // expected-error @+1 {{scale has 2 values, but the input has 3 slices along axis 1}}
  %0 = onnx.DequantizeLinear %x, %s : (tensor<2x3xi8>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @matmul_integer_row_zero_point(%a: tensor<2x3xui8>, %b: tensor<3x4xui8>, %za: tensor<3xui8>) {
  // expected-error @+1 {{A_zero_point 'tensor<3xui8>' is neither a scalar nor one value per row of 'tensor<2x3xui8>'}}
  %0 = onnx.MatMulInteger %a, %b, %za {operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x3xui8>, tensor<3x4xui8>, tensor<3xui8>) -> tensor<2x4xi32>
  return
}
