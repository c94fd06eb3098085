// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-pack-weights)" | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-pack-weights{release-replaced-weights=1})" | FileCheck %s --check-prefix=RELEASE

// Without release-replaced-weights, an unpacked weight stays until the next
// canonicalization (the first constant below); with it, it goes as soon as
// it is packed.
// RELEASE-LABEL: func @f32_panels
// RELEASE-NOT: tensor<2x3xf32>
// RELEASE: mbert.linear

// W is [K = 2, N = 3] with W[k, n] = 10 k + n. For an f32 kernel with nr = 2
// (kr = 1) it becomes [2 panels, K, 2, 1]: panel 0 holds columns 0 and 1 row
// by row, panel 1 holds column 2 and a zero column. Bias and epilogue are
// untouched.
// CHECK-LABEL: func @f32_panels
// CHECK: onnx.Constant dense<{{.*}}> : tensor<2x3xf32>
// CHECK: %[[W:.+]] = onnx.Constant dense<{{\[}}{{\[}}{{\[}}[0.000000e+00], [1.000000e+00]], {{\[}}[1.000000e+01], [1.100000e+01]]], {{\[}}{{\[}}[2.000000e+00], [0.000000e+00]], {{\[}}[1.200000e+01], [0.000000e+00]]]]> : tensor<2x2x2x1xf32>
// CHECK: mbert.linear %arg0, %[[W]] bias(%{{.+}}) {activation = #mbert.activation<relu>, kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 2, kr = 1>} : (tensor<4x2xf32>, tensor<2x2x2x1xf32>, tensor<3xf32>) -> tensor<4x3xf32>
func.func @f32_panels(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = onnx.Constant dense<[[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]]> : tensor<2x3xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = mbert.linear %x, %w bias(%b) {activation = #mbert.activation<relu>, kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 2, kr = 1>} : (tensor<4x2xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// An int8 weight for SDOT (nr = 4, kr = 4): K = 5 is padded to 16 (the
// kernel reads 16 bytes of a row at once), so [K, N] = [5, 2] becomes
// [1 panel, 16 / 4 groups, 4, 4]. Group 0 holds, for each of the 4 columns,
// its k = 0..3; group 1 starts with k = 4; the rest is zero. W[k, n] = 10 n + k.
// CHECK-LABEL: func @sdot_groups
// CHECK: %[[Q:.+]] = onnx.Constant dense<{{\[}}{{\[}}{{\[}}[0, 1, 2, 3], [10, 11, 12, 13], [0, 0, 0, 0], [0, 0, 0, 0]], {{\[}}[4, 0, 0, 0], [14, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], {{\[}}[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], {{\[}}[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]]]> : tensor<1x4x4x4xi8>
// CHECK: mbert.linear %arg0, %[[Q]] scale(%{{.+}}, %{{.+}}) {kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 4, kr = 4>} : (tensor<3x5xf32>, tensor<1x4x4x4xi8>, tensor<2xf32>, tensor<2xi32>) -> tensor<3x2xf32>
func.func @sdot_groups(%x: tensor<3x5xf32>) -> tensor<3x2xf32> {
  %q = onnx.Constant dense<[[0, 10], [1, 11], [2, 12], [3, 13], [4, 14]]> : tensor<5x2xi8>
  %s = onnx.Constant dense<[0.5, 0.25]> : tensor<2xf32>
  %sums = onnx.Constant dense<[10, 60]> : tensor<2xi32>
  %0 = mbert.linear %x, %q scale(%s, %sums) {kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 4, kr = 4>} : (tensor<3x5xf32>, tensor<5x2xi8>, tensor<2xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// Not packed: a linear without a kernel, a weight that is not a constant
// (the kernel reads it as [K, N]), and a weight that is already packed.
// CHECK-LABEL: func @not_packed
// CHECK: mbert.linear %arg0, %[[C:.+]] : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: mbert.linear %arg0, %arg1 {kernel = {{.+}}} : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: mbert.linear %arg0, %{{.+}} {kernel = {{.+}}} : (tensor<4x2xf32>, tensor<1x2x4x1xf32>) -> tensor<4x3xf32>
func.func @not_packed(%x: tensor<4x2xf32>, %w: tensor<2x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %c = onnx.Constant dense<1.0> : tensor<2x3xf32>
  %p = onnx.Constant dense<1.0> : tensor<1x2x4x1xf32>
  %0 = mbert.linear %x, %c : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 4, kr = 1>} : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %2 = mbert.linear %x, %p {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 4, kr = 1>} : (tensor<4x2xf32>, tensor<1x2x4x1xf32>) -> tensor<4x3xf32>
  return %0, %1, %2 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// SMMLA (nr = 8, kr = 8): each 16 bytes of a panel are two columns' eight
// depth steps, K = 3 padded to 16: [1 panel, 2 groups, 8, 8]. W[k, n] =
// 10 n + k + 1.
// CHECK-LABEL: func @smmla_blocks
// (128 bytes print in hex: column 0's 1 2 3, then column 1's 11 12 13, then zeros.)
// CHECK: %[[Q:.+]] = onnx.Constant dense<"0x01020300000000000B0C0D0000000000{{0+}}"> : tensor<1x2x8x8xi8>
// CHECK: mbert.linear %arg0, %[[Q]] scale({{.+}}) {kernel = #mbert.kernel<smmla, i8 -> i32, mr = 8, nr = 8, kr = 8>} : (tensor<3x3xf32>, tensor<1x2x8x8xi8>
func.func @smmla_blocks(%x: tensor<3x3xf32>) -> tensor<3x2xf32> {
  %q = onnx.Constant dense<[[1, 11], [2, 12], [3, 13]]> : tensor<3x2xi8>
  %s = onnx.Constant dense<1.0> : tensor<2xf32>
  %sums = onnx.Constant dense<[6, 36]> : tensor<2xi32>
  %0 = mbert.linear %x, %q scale(%s, %sums) {kernel = #mbert.kernel<smmla, i8 -> i32, mr = 8, nr = 8, kr = 8>} : (tensor<3x3xf32>, tensor<3x2xi8>, tensor<2xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
