// RUN: rm -rf %t && mkdir -p %t/set/a %t/set/b %t/empty %t/bad/a
// RUN: %python -c "import numpy as np, sys; d = sys.argv[1]; \
// RUN:   np.save(d + '/set/a/x.npy', np.array([[1, -3]], np.float32)); \
// RUN:   np.save(d + '/set/b/x.npy', np.array([[-4, 0.5]], np.float32)); \
// RUN:   np.save(d + '/bad/a/x.npy', np.zeros((1, 3), np.float32))" %t
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-calibrate-linears{calibration=%t/set})" | FileCheck %s
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-calibrate-linears{calibration=%t/missing})" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-calibrate-linears{calibration=%t/empty})" 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-calibrate-linears{calibration=%t/bad})" 2>&1 | FileCheck %s --check-prefix=SHAPE

// The model runs on both samples and each linear gets the largest |x| of
// every input channel: x = [1, -3] and [-4, 0.5] give [4, 3] for the first
// linear; its outputs [x0, -2 x1] = [1, 6] and [-4, -1] give [4, 6] for the
// second. The IR is otherwise unchanged.
// CHECK-LABEL: func.func @m_run
// CHECK: mbert.linear %arg0, %{{.+}} {input_range = dense<[4.000000e+00, 3.000000e+00]> : tensor<2xf32>}
// CHECK: mbert.linear %{{.+}}, %{{.+}} {input_range = dense<[4.000000e+00, 6.000000e+00]> : tensor<2xf32>}
// CHECK-NOT: linalg.generic
// MISSING: error: calibration set '{{.+}}/missing' is not a directory
// EMPTY: error: calibration set '{{.+}}/empty' has no sample folders
// SHAPE: error: calibration sample {{.+}}/bad/a/x.npy: model input 'x' is float32[1, 2], the file holds float32[1, 3]
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 1, 2>}],
    outputs = [{name = "z", dtype = 1 : i32, shape = array<i64: 1, 2>}]}
} {
  func.func @m_run(%x: tensor<1x2xf32> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<1x2xf32> {
    %w1 = onnx.Constant dense<[[1.0, 0.0], [0.0, -2.0]]> : tensor<2x2xf32>
    %w2 = onnx.Constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
    %y = mbert.linear %x, %w1 : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %z = mbert.linear %y, %w2 : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    return %z : tensor<1x2xf32>
  }
}

