// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-fold-no-norm,canonicalize)" | FileCheck %s

// Backward and exact: the producer is a single-use linear, so gamma scales
// the weight columns and the bias, and beta joins the bias.
//   W = [[1, 2], [3, 4]], b = [1, 1], gamma = [2, 3], beta = [10, 20]
//   W' = [[2, 6], [6, 12]], b' = b * gamma + beta = [12, 23]
// CHECK-LABEL: func @exact_backward
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[2.000000e+00, 6.000000e+00], [6.000000e+00, 1.200000e+01]]>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[1.200000e+01, 2.300000e+01]>
// CHECK: %[[L:.+]] = mbert.linear %arg0, %[[W]] bias(%[[B]])
// CHECK-NOT: mbert.no_norm
// CHECK: return %[[L]]
func.func @exact_backward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<1.0> : tensor<2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.linear %x, %w bias(%b) : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// The embedding shape: NoNorm(linear + position table + gathered type rows).
// Every leaf is a compile-time weight, so all of them are scaled and the
// NoNorm vanishes; beta lands once, in the linear's bias.
// CHECK-LABEL: func @exact_through_add_and_gather
// CHECK-DAG: onnx.Constant dense<{{\[}}[2.000000e+00, 3.000000e+00], [4.000000e+00, 6.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: onnx.Constant dense<[1.000000e+01, 2.000000e+01]> : tensor<2xf32>
// CHECK: mbert.linear
// CHECK: onnx.Gather
// CHECK: onnx.Add
// CHECK-NOT: mbert.no_norm
func.func @exact_through_add_and_gather(%x: tensor<3x2xf32>, %types: tensor<3xi64>) -> tensor<3x2xf32> {
  %w = onnx.Constant dense<0.0> : tensor<2x2xf32>
  %table = onnx.Constant dense<[[1.0, 1.0], [2.0, 2.0]]> : tensor<2x2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.linear %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = onnx.Gather %table, %types : (tensor<2x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
  %2 = onnx.Add %0, %1 : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %3 = mbert.no_norm %2, %g, %beta : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %3 : tensor<3x2xf32>
}

// The residual is also needed elsewhere, so it cannot be pre-scaled: gamma
// scales W and b and becomes the epilogue's residual_scale.
// CHECK-LABEL: func @epilogue
// CHECK-DAG: %[[G:.+]] = onnx.Constant dense<[2.000000e+00, 3.000000e+00]>
// CHECK: %[[L:.+]] = mbert.linear %arg0, %{{.*}} bias(%{{.*}}) residual(%arg1) residual_scale(%[[G]])
// CHECK-NOT: mbert.no_norm
// CHECK: return %[[L]], %arg1
func.func @epilogue(%x: tensor<3x2xf32>, %r: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<1.0> : tensor<2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.linear %x, %w bias(%b) residual(%r) : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %1, %r : tensor<3x2xf32>, tensor<3x2xf32>
}

// Forward: the NoNorm's input is a graph argument, but its only user is a
// linear, whose rows take gamma and whose bias takes beta @ W.
//   W' = diag(gamma) W = [[2, 4], [9, 12]], b' = b + beta @ W = [1 + 70, 1 + 100]
// CHECK-LABEL: func @exact_forward
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [9.000000e+00, 1.200000e+01]]>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[7.100000e+01, 1.010000e+02]>
// CHECK: mbert.linear %arg0, %[[W]] bias(%[[B]])
// CHECK-NOT: mbert.no_norm
func.func @exact_forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<1.0> : tensor<2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.no_norm %x, %g, %beta : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %1 = mbert.linear %0, %w bias(%b) : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// Must not fire: the producer has a second user (its value would change for
// it), the NoNorm's own result is returned, and a relu does not commute with
// a negative gamma.
// CHECK-LABEL: func @not_folded
// CHECK: %[[L:.+]] = mbert.linear
// CHECK: mbert.no_norm %[[L]]
// CHECK: %[[R:.+]] = mbert.linear {{.*}}activation = #mbert.activation<relu>
// CHECK: mbert.no_norm %[[R]]
func.func @not_folded(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %g = onnx.Constant dense<[-2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.linear %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %2 = mbert.linear %x, %w {activation = #mbert.activation<relu>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %3 = mbert.no_norm %2, %g, %beta : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %0, %1, %3 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}

// The raised embedding: gamma scales the projection's columns, the position
// and the type table, and bias * gamma + beta is the new bias; the word
// table comes before the projection and stays.
//   gamma = [2, 3], beta = [10, 20]
//   projection [[1, 2], [3, 4], [5, 6]] -> [[2, 6], [6, 12], [10, 18]]
//   bias [1, 1] -> [12, 23], position [[1, 2], [3, 4]] -> [[2, 6], [6, 12]]
//   type table [[0, 0], [1, 1]] -> [[0, 0], [2, 3]]
// CHECK-LABEL: func @embedding
// CHECK-SAME: (%[[IDS:.+]]: tensor<1x2xi64>, %[[TYPES:.+]]: tensor<1x2xi64>)
// CHECK-DAG: %[[TABLE:.+]] = onnx.Constant dense<{{\[}}[1.000000e+00], [2.000000e+00], [3.000000e+00]]> : tensor<3x1xf32>
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<{{\[}}[2.000000e+00, 6.000000e+00], [6.000000e+00, 1.200000e+01], [1.000000e+01, 1.800000e+01]]> : tensor<3x2xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[1.200000e+01, 2.300000e+01]> : tensor<2xf32>
// CHECK-DAG: %[[POS:.+]] = onnx.Constant dense<{{\[}}[2.000000e+00, 6.000000e+00], [6.000000e+00, 1.200000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[TT:.+]] = onnx.Constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [2.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[E:.+]] = mbert.embedding %[[IDS]], %[[TABLE]], %[[W]] bias(%[[B]]) position(%[[POS]]) token_types(%[[TYPES]], %[[TT]])
// CHECK-NOT: mbert.no_norm
// CHECK: return %[[E]]
func.func @embedding(%ids: tensor<1x2xi64>, %types: tensor<1x2xi64>) -> tensor<1x2x2xf32> {
  %table = onnx.Constant dense<[[1.0], [2.0], [3.0]]> : tensor<3x1xf32>
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %b = onnx.Constant dense<1.0> : tensor<2xf32>
  %pos = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %type_table = onnx.Constant dense<[[0.0, 0.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.embedding %ids, %table, %w bias(%b) position(%pos) token_types(%types, %type_table) : (tensor<1x2xi64>, tensor<3x1xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<1x2xi64>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<1x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  return %1 : tensor<1x2x2xf32>
}

// Without a bias, beta becomes one.
// CHECK-LABEL: func @embedding_without_bias
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[1.000000e+01, 2.000000e+01]> : tensor<2xf32>
// CHECK: mbert.embedding %arg0, %{{.+}}, %{{.+}} bias(%[[B]]) :
// CHECK-NOT: mbert.no_norm
func.func @embedding_without_bias(%ids: tensor<1x2xi64>) -> tensor<1x2x2xf32> {
  %table = onnx.Constant dense<1.0> : tensor<3x1xf32>
  %w = onnx.Constant dense<1.0> : tensor<3x2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.embedding %ids, %table, %w : (tensor<1x2xi64>, tensor<3x1xf32>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<1x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  return %1 : tensor<1x2x2xf32>
}

// Must not fire: a run-time position cannot be pre-scaled.
// CHECK-LABEL: func @embedding_runtime_position
// CHECK: %[[E:.+]] = mbert.embedding
// CHECK: mbert.no_norm %[[E]]
func.func @embedding_runtime_position(%ids: tensor<1x2xi64>, %pos: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
  %table = onnx.Constant dense<1.0> : tensor<3x1xf32>
  %w = onnx.Constant dense<1.0> : tensor<3x2xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.embedding %ids, %table, %w position(%pos) : (tensor<1x2xi64>, tensor<3x1xf32>, tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<1x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  return %1 : tensor<1x2x2xf32>
}

// Must not fire: packed weights (mbert-pack-weights runs last) are no
// longer [K, N], so neither the producer's columns nor a user's rows can be
// scaled here.
// CHECK-LABEL: func @packed_producer_and_user
// CHECK: %[[L:.+]] = mbert.linear %arg0
// CHECK: %[[N:.+]] = mbert.no_norm %[[L]]
// CHECK: mbert.linear %[[N]]
func.func @packed_producer_and_user(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = onnx.Constant dense<1.0> : tensor<1x2x16x1xf32>
  %g = onnx.Constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = onnx.Constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>} : (tensor<4x2xf32>, tensor<1x2x16x1xf32>) -> tensor<4x2xf32>
  %1 = mbert.no_norm %0, %g, %beta : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %2 = mbert.linear %1, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>} : (tensor<4x2xf32>, tensor<1x2x16x1xf32>) -> tensor<4x2xf32>
  return %2 : tensor<4x2xf32>
}
