// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-quantize-linears{min-columns=1 smoothing-strength=0.5})" | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-quantize-linears)" | FileCheck %s --check-prefix=DEFAULT
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-quantize-linears{min-columns=1 smoothing-strength=0})" | FileCheck %s --check-prefix=NO-SMOOTHING
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-quantize-linears{min-columns=1 smoothing-strength=0.5 triple=x86_64-linux-gnu cpu=haswell})" | FileCheck %s --check-prefix=PMADDUBSW
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-quantize-linears{min-columns=1 smoothing-strength=0.5 triple=x86_64-linux-gnu cpu=znver4})" | FileCheck %s

// Column 0 of W has max |w| = 2.54, so its scale is 0.02 and 1.27 becomes
// 63.5, rounded half to even to 64; -2.54 -> -127. Column 1 is all zero:
// scale 1, values 0. The sums are per column: 64 - 127 = -63 and 0. Bias,
// residual and activation are untouched. x86's VPDPBUSD (AVX-512-VNNI on
// Zen 4) takes the same full-range weights.
// CHECK-LABEL: func @quantized
// CHECK-DAG: %[[Q:.+]] = onnx.Constant dense<{{\[}}[64, 0], [-127, 0]]> : tensor<2x2xi8>
// CHECK-DAG: %[[S:.+]] = onnx.Constant dense<[2.000000e-02, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[N:.+]] = onnx.Constant dense<[-63, 0]> : tensor<2xi32>
// CHECK: mbert.linear %arg0, %[[Q]] scale(%[[S]], %[[N]]) bias(%{{.+}}) residual(%arg1) {activation = #mbert.activation<relu>} : (tensor<3x2xf32>, tensor<2x2xi8>, tensor<2xf32>, tensor<2xi32>, tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
// For x86's PMADDUBSW (AVX2 here) the weights are rounded to [-63, 63]: column 0's scale is
// 2.54 / 63, 1.27 becomes 31.5 (31 or 32 after f32 rounding), -2.54 becomes -63.
// PMADDUBSW-LABEL: func @quantized
// PMADDUBSW-DAG: onnx.Constant dense<{{\[}}[{{31|32}}, 0], [-63, 0]]> : tensor<2x2xi8>
// PMADDUBSW-DAG: onnx.Constant dense<[0.0403174{{[0-9]*}}, 1.000000e+00]> : tensor<2xf32>
// By default a linear of fewer than 16 output channels (a QA head) stays f32.
// DEFAULT-LABEL: func @quantized
// DEFAULT: mbert.linear %arg0, %{{.+}} bias(%{{.+}}) residual(%arg1) {{.+}} : (tensor<3x2xf32>, tensor<2x2xf32>,
func.func @quantized(%x: tensor<3x2xf32>, %r: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant dense<[[1.27, 0.0], [-2.54, 0.0]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<[0.5, -0.5]> : tensor<2xf32>
  %0 = mbert.linear %x, %w bias(%b) residual(%r) {activation = #mbert.activation<relu>} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// Not quantized: a weight that is not a constant, and a packed one (packing
// comes after quantization).
// CHECK-LABEL: func @not_quantized
// CHECK: mbert.linear %arg0, %arg1 : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
// CHECK: mbert.linear %arg0, %{{.+}} {kernel = {{.+}}} : (tensor<3x2xf32>, tensor<1x2x16x1xf32>) -> tensor<3x16xf32>
func.func @not_quantized(%x: tensor<3x2xf32>, %w: tensor<2x2xf32>) -> (tensor<3x2xf32>, tensor<3x16xf32>) {
  %p = onnx.Constant dense<1.0> : tensor<1x2x16x1xf32>
  %0 = mbert.linear %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = mbert.linear %x, %p {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>} : (tensor<3x2xf32>, tensor<1x2x16x1xf32>) -> tensor<3x16xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<3x16xf32>
}

// With a calibrated input range, input channels are smoothed first. Channel
// 0 reaches 4 and weight row 0 at most 2; channel 1 reaches 1 and row 1 at
// most 8. With strength 0.5, s = [sqrt(4 / 2), sqrt(1 / 8)] = [1.414, 0.354]:
// both rows become [1.414, 2.828], each column quantizes to 127, and the
// input is multiplied by 1 / s = [0.707, 2.828] as its rows are quantized.
// CHECK-LABEL: func @smoothed
// CHECK-DAG: %[[Q:.+]] = onnx.Constant dense<127> : tensor<2x2xi8>
// CHECK-DAG: %[[M:.+]] = onnx.Constant dense<[0.707106769, 2.82842708]> : tensor<2xf32>
// CHECK: mbert.linear %arg0, %[[Q]] scale(%{{.+}}, %{{.+}}) smoothing(%[[M]]) {input_range = {{.+}}} : (tensor<3x2xf32>, tensor<2x2xi8>, tensor<2xf32>, tensor<2xi32>, tensor<2xf32>) -> tensor<3x2xf32>
// NO-SMOOTHING-LABEL: func @smoothed
// NO-SMOOTHING-NOT: smoothing(
func.func @smoothed(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant dense<[[1.0, 2.0], [4.0, 8.0]]> : tensor<2x2xf32>
  %0 = mbert.linear %x, %w {input_range = dense<[4.0, 1.0]> : tensor<2xf32>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
