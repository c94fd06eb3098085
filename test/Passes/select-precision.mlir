// RUN: rm -rf %t && mkdir -p %t/set/a %t/set/b
// RUN: %python -c "import numpy as np, sys; r = np.random.default_rng(0); \
// RUN:   x = r.standard_normal((2, 8, 16)).astype(np.float32); x[:, :, 0] *= 1000; \
// RUN:   np.save(sys.argv[1] + '/set/a/x.npy', x[0]); np.save(sys.argv[1] + '/set/b/x.npy', x[1])" %t
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-precision{calibration=%t/set min-columns=1 smoothing-strength=0 max-error=0.05})" | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-precision{calibration=%t/set min-columns=1 smoothing-strength=0 max-error=10})" | FileCheck %s --check-prefix=LOOSE
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-precision{calibration=%t/set min-columns=1 smoothing-strength=0 max-error=0.05},mbert-quantize-linears{min-columns=1 smoothing-strength=0})" | FileCheck %s --check-prefix=QUANTIZED
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-precision{calibration=%t/set max-error=-1})" 2>&1 | FileCheck %s --check-prefix=BAD

// Input channel 0 is ~1000x the others. The first linear ignores it (its weight row 0 is zero)
// but per-row int8 of its input spends the whole step on it (no smoothing here): the other
// channels round to a few levels and its output is far off when it alone is quantized. The
// second linear's input (the first's output) has no such channel: a small error. Within 0.05 of
// the f32 outputs, the first stays f32 and the second becomes int8; a bound of 10 lets both be
// int8. The measured errors land on the linears, the chosen model's on the module, and
// mbert-quantize-linears follows the choice.
// CHECK: module attributes {mbert.model_name = "m", mbert.quantized_output_error = [[ERROR:[0-9.e-]+]] : f32
// CHECK: %[[Y:.+]] = mbert.linear %arg0, %{{.+}} {precision = #mbert.precision<f32>, quantization_error = {{[0-9.e+-]+}} : f32}
// CHECK: mbert.linear %[[Y]], %{{.+}} {precision = #mbert.precision<int8>, quantization_error = {{[0-9.e+-]+}} : f32}
// LOOSE: mbert.linear %arg0, %{{.+}} {precision = #mbert.precision<int8>
// LOOSE: mbert.linear %{{.+}}, %{{.+}} {precision = #mbert.precision<int8>
// QUANTIZED: %[[Y:.+]] = mbert.linear %arg0, %{{.+}} {precision = #mbert.precision<f32>{{.+}}} : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
// QUANTIZED: mbert.linear %[[Y]], %{{.+}} scale(%{{.+}}, %{{.+}}) {precision = #mbert.precision<int8>{{.+}}} : (tensor<8x16xf32>, tensor<16x16xi8>
// BAD: error: mbert-select-precision: max-error must be a finite number >= 0, got -1
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 8, 16>}],
    outputs = [{name = "z", dtype = 1 : i32, shape = array<i64: 8, 16>}]}
} {
  func.func @m_run(%x: tensor<8x16xf32> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<8x16xf32> {
    %w1 = onnx.Constant dense<[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.5],
      [0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5]]> : tensor<16x16xf32>
    %w2 = onnx.Constant dense<0.25> : tensor<16x16xf32>
    %y = mbert.linear %x, %w1 : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
    %z = mbert.linear %y, %w2 : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
    return %z : tensor<8x16xf32>
  }
}
