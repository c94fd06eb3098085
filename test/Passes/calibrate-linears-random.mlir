// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-calibrate-linears{samples=4})" | FileCheck %s --check-prefix=RANDOM

// Without a calibration set, random inputs: token ids uniform over the
// table's 3 rows. Every row has magnitudes [1, 2], so whichever rows are
// drawn the range is [1, 2].
// RANDOM-LABEL: func.func @m_run
// RANDOM: mbert.linear %{{.+}}, %{{.+}} {input_range = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 1, 4>, allowed_values = array<i64: 0, 3>}],
    outputs = [{name = "z", dtype = 1 : i32, shape = array<i64: 1, 4, 2>}]}
} {
  func.func @m_run(%ids: tensor<1x4xi64> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<1x4x2xf32> {
    %table = onnx.Constant dense<[[1.0, -2.0], [-1.0, 2.0], [1.0, 2.0]]> : tensor<3x2xf32>
    %w = onnx.Constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
    %rows = onnx.Gather %table, %ids : (tensor<3x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
    %z = mbert.linear %rows, %w : (tensor<1x4x2xf32>, tensor<2x2xf32>) -> tensor<1x4x2xf32>
    return %z : tensor<1x4x2xf32>
  }
}
