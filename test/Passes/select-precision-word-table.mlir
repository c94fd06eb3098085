// RUN: rm -rf %t && mkdir -p %t/set/a
// RUN: %python -c "import numpy as np, sys; \
// RUN:   np.save(sys.argv[1] + '/set/a/ids.npy', np.array([[0, 1, 2, 1]], dtype=np.int64))" %t
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-precision{calibration=%t/set min-columns=1 max-error=0})" 2>&1 | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-precision{calibration=%t/set min-columns=1 max-error=0.01})" 2>&1 | FileCheck %s --check-prefix=WITHIN

// The word table is quantized whatever the linears' precision (one scale per
// row: 0.003 and 0.002 next to 1.0 round to 0), so no choice of f32 linears
// meets a bound of 0: the error names the bound and what is left with every
// linear in f32. A bound above that error keeps the linear in int8. Running
// the candidate models on the host translates their LLVM dialect functions,
// whose arguments carry mbert's ABI attributes: that translation warns of
// nothing.
// CHECK-NOT: warning
// CHECK: error: mbert-select-precision: no choice of f32 linears meets max-error 0: with every linear in f32 the outputs are still {{[0-9.e-]+}} from the f32 model's (the int8 word table)
// WITHIN-NOT: warning
// WITHIN: mbert.linear %{{.+}}, %{{.+}} {precision = #mbert.precision<int8>
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{allowed_values = array<i64: 0, 3>, dtype = 7 : i32, name = "ids", shape = array<i64: 1, 4>}],
    outputs = [{name = "z", dtype = 1 : i32, shape = array<i64: 1, 4, 4>}]}
} {
  func.func @m_run(%ids: tensor<1x4xi64> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<1x4x4xf32> {
    %table = onnx.Constant dense<[[1.0, 0.003], [0.5, -0.25], [0.002, 1.0]]> : tensor<3x2xf32>
    %projection = onnx.Constant dense<1.0> : tensor<6x4xf32>
    %e = mbert.embedding %ids, %table, %projection : (tensor<1x4xi64>, tensor<3x2xf32>, tensor<6x4xf32>) -> tensor<1x4x4xf32>
    %w = onnx.Constant dense<0.25> : tensor<4x4xf32>
    %z = mbert.linear %e, %w : (tensor<1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4xf32>
    return %z : tensor<1x4x4xf32>
  }
}
