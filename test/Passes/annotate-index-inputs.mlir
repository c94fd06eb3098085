// RUN: mbert-opt %s -split-input-file --pass-pipeline="builtin.module(mbert-annotate-index-inputs)" | FileCheck %s

// Token ids index the [100, 8] word table directly: [0, 100). Token types
// reach the [2, 8] type table through Cast and Unsqueeze, which move integers
// without changing them: [0, 2). Position ids index two tables: the smaller
// extent, 64, wins. The integer attention mask is only cast to float and
// multiplied, and the float mask is not an integer: neither gets an interval.
// The outputs are rewritten unchanged.
// CHECK: module attributes
// CHECK-SAME: mbert.model_name = "m"
// CHECK-SAME: mbert.signature = {inputs = [
// CHECK-SAME: {allowed_values = array<i64: 0, 100>, dtype = 7 : i32, name = "input_ids", shape = array<i64: 1, 8>},
// CHECK-SAME: {allowed_values = array<i64: 0, 2>, dtype = 6 : i32, name = "token_type_ids", shape = array<i64: 1, 8>},
// CHECK-SAME: {allowed_values = array<i64: 0, 64>, dtype = 7 : i32, name = "position_ids", shape = array<i64: 1, 8>},
// CHECK-SAME: {dtype = 7 : i32, name = "attention_mask", shape = array<i64: 1, 8>},
// CHECK-SAME: {dtype = 1 : i32, name = "float_mask", shape = array<i64: 1, 8>}],
// CHECK-SAME: outputs = [{dtype = 1 : i32, name = "embeddings", shape = array<i64: 1, 8, 8>}, {dtype = 1 : i32, name = "mask", shape = array<i64: 1, 8>}]}
// CHECK-NOT: allowed_values
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

// -----

// Constants added on the way shift the interval: ids + 1000 index a 30522-row
// table, so ids must lie in [-1000, 29522); (ids - 3) + 1 in a 10-row table
// need [2, 12). Ids multiplied before indexing get none: the generated code
// clamps them (docs/ABI.md). The additive mask bias (1.0 - float(mask)) gets
// [0, 2), as does mask - 1; a mask converted to bool gets none (ONNX reads
// any non-zero value as true).
// CHECK: mbert.signature = {inputs = [
// CHECK-SAME: {allowed_values = array<i64: -1000, 29522>, dtype = 7 : i32, name = "shifted"
// CHECK-SAME: {allowed_values = array<i64: 2, 12>, dtype = 7 : i32, name = "twice_shifted"
// CHECK-SAME: {dtype = 7 : i32, name = "scaled"
// CHECK-SAME: {allowed_values = array<i64: 0, 2>, dtype = 7 : i32, name = "mask"
// CHECK-SAME: {allowed_values = array<i64: 0, 2>, dtype = 7 : i32, name = "mask_minus_one"
// CHECK-SAME: {dtype = 7 : i32, name = "bool_mask"
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [
      {name = "shifted", dtype = 7 : i32, shape = array<i64: 4>},
      {name = "twice_shifted", dtype = 7 : i32, shape = array<i64: 4>},
      {name = "scaled", dtype = 7 : i32, shape = array<i64: 4>},
      {name = "mask", dtype = 7 : i32, shape = array<i64: 4>},
      {name = "mask_minus_one", dtype = 7 : i32, shape = array<i64: 4>},
      {name = "bool_mask", dtype = 7 : i32, shape = array<i64: 4>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 4, 2>},
               {name = "inverted", dtype = 1 : i32, shape = array<i64: 4>},
               {name = "lowered", dtype = 7 : i32, shape = array<i64: 4>},
               {name = "as_bool", dtype = 9 : i32, shape = array<i64: 4>}]}
} {
  func.func @m_run(%shifted: tensor<4xi64>, %twice: tensor<4xi64>, %scaled: tensor<4xi64>,
                   %mask: tensor<4xi64>, %mask_minus_one: tensor<4xi64>, %bool_mask: tensor<4xi64>,
                   %words: tensor<30522x2xf32>, %small: tensor<10x2xf32>)
      -> (tensor<4x2xf32>, tensor<4xf32>, tensor<4xi64>, tensor<4xi1>) {
    %thousand = onnx.Constant dense<1000> : tensor<i64>
    %plus = onnx.Add %shifted, %thousand : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
    %0 = onnx.Gather %words, %plus : (tensor<30522x2xf32>, tensor<4xi64>) -> tensor<4x2xf32>
    %three = onnx.Constant dense<3> : tensor<1xi64>
    %one = onnx.Constant dense<1> : tensor<i64>
    %minus = onnx.Sub %twice, %three : (tensor<4xi64>, tensor<1xi64>) -> tensor<4xi64>
    %back = onnx.Add %one, %minus : (tensor<i64>, tensor<4xi64>) -> tensor<4xi64>
    %1 = onnx.Gather %small, %back : (tensor<10x2xf32>, tensor<4xi64>) -> tensor<4x2xf32>
    %two = onnx.Constant dense<2> : tensor<i64>
    %times = onnx.Mul %scaled, %two : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
    %2 = onnx.Gather %small, %times : (tensor<10x2xf32>, tensor<4xi64>) -> tensor<4x2xf32>
    %mask_f = onnx.Cast %mask {to = f32} : (tensor<4xi64>) -> tensor<4xf32>
    %one_f = onnx.Constant dense<1.0> : tensor<f32>
    %inverted = onnx.Sub %one_f, %mask_f : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
    %lowered = onnx.Sub %mask_minus_one, %one : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
    %as_bool = onnx.Cast %bool_mask {to = i1} : (tensor<4xi64>) -> tensor<4xi1>
    %3 = onnx.Add %0, %1 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
    %4 = onnx.Add %3, %2 : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
    return %4, %inverted, %lowered, %as_bool : tensor<4x2xf32>, tensor<4xf32>, tensor<4xi64>, tensor<4xi1>
  }
}
