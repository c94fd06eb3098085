// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-annotate-index-inputs)" | FileCheck %s

// Token ids index the [100, 8] word table directly: bound 100. Token types
// reach the [2, 8] type table through Cast and Unsqueeze, which move integers
// without changing them: bound 2. Position ids index two tables: the smaller
// extent, 64, wins. The integer attention mask is only cast to float and
// never indexes anything, and the float mask is not an integer: neither gets
// a bound. The outputs are rewritten unchanged.
// CHECK: module attributes
// CHECK-SAME: mbert.model_name = "m"
// CHECK-SAME: mbert.signature = {inputs = [
// CHECK-SAME: {dtype = 7 : i32, index_bound = 100 : i64, name = "input_ids", shape = array<i64: 1, 8>},
// CHECK-SAME: {dtype = 6 : i32, index_bound = 2 : i64, name = "token_type_ids", shape = array<i64: 1, 8>},
// CHECK-SAME: {dtype = 7 : i32, index_bound = 64 : i64, name = "position_ids", shape = array<i64: 1, 8>},
// CHECK-SAME: {dtype = 7 : i32, name = "attention_mask", shape = array<i64: 1, 8>},
// CHECK-SAME: {dtype = 1 : i32, name = "float_mask", shape = array<i64: 1, 8>}],
// CHECK-SAME: outputs = [{dtype = 1 : i32, name = "embeddings", shape = array<i64: 1, 8, 8>}, {dtype = 1 : i32, name = "mask", shape = array<i64: 1, 8>}]}
// CHECK-NOT: index_bound
// CHECK-LABEL: func.func @m_run
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [
      {name = "input_ids", dtype = 7 : i32, shape = array<i64: 1, 8>},
      {name = "token_type_ids", dtype = 6 : i32, shape = array<i64: 1, 8>},
      {name = "position_ids", dtype = 7 : i32, shape = array<i64: 1, 8>},
      {name = "attention_mask", dtype = 7 : i32, shape = array<i64: 1, 8>},
      {name = "float_mask", dtype = 1 : i32, shape = array<i64: 1, 8>}],
    outputs = [
      {name = "embeddings", dtype = 1 : i32, shape = array<i64: 1, 8, 8>},
      {name = "mask", dtype = 1 : i32, shape = array<i64: 1, 8>}]}
} {
  func.func @m_run(%ids: tensor<1x8xi64>, %types: tensor<1x8xi32>, %positions: tensor<1x8xi64>,
                   %attention: tensor<1x8xi64>, %float_mask: tensor<1x8xf32>,
                   %words: tensor<100x8xf32>, %type_table: tensor<2x8xf32>,
                   %short_positions: tensor<64x8xf32>, %long_positions: tensor<512x8xf32>)
      -> (tensor<1x8x8xf32>, tensor<1x8xf32>) {
    %word = onnx.Gather %words, %ids : (tensor<100x8xf32>, tensor<1x8xi64>) -> tensor<1x8x8xf32>
    %types64 = onnx.Cast %types {to = i64} : (tensor<1x8xi32>) -> tensor<1x8xi64>
    %axes = onnx.Constant dense<0> : tensor<1xi64>
    %types3 = onnx.Unsqueeze %types64, %axes : (tensor<1x8xi64>, tensor<1xi64>) -> tensor<1x1x8xi64>
    %type = onnx.Gather %type_table, %types3 : (tensor<2x8xf32>, tensor<1x1x8xi64>) -> tensor<1x1x8x8xf32>
    %shape = onnx.Constant dense<[1, 8, 8]> : tensor<3xi64>
    %type3 = onnx.Reshape %type, %shape : (tensor<1x1x8x8xf32>, tensor<3xi64>) -> tensor<1x8x8xf32>
    %long = onnx.Gather %long_positions, %positions : (tensor<512x8xf32>, tensor<1x8xi64>) -> tensor<1x8x8xf32>
    %short = onnx.Gather %short_positions, %positions : (tensor<64x8xf32>, tensor<1x8xi64>) -> tensor<1x8x8xf32>
    %0 = onnx.Add %word, %type3 : (tensor<1x8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
    %1 = onnx.Add %0, %long : (tensor<1x8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
    %2 = onnx.Add %1, %short : (tensor<1x8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
    %attention_f = onnx.Cast %attention {to = f32} : (tensor<1x8xi64>) -> tensor<1x8xf32>
    %mask = onnx.Mul %attention_f, %float_mask : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
    return %2, %mask : tensor<1x8x8xf32>, tensor<1x8xf32>
  }
}
