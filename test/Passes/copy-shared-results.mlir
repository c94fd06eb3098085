// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-copy-shared-results)" | FileCheck %s

// The entry returns its argument %x and the value %y twice. The argument and
// the second %y are replaced by copies into new buffers (alloc_tensor with
// copy, which bufferization never makes in place), so that every result
// becomes an out-param a computation writes. The first %y stays.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK: %[[X_COPY:.+]] = bufferization.alloc_tensor() copy(%[[X]]) : tensor<4xf32>
// CHECK: %[[Y_COPY:.+]] = bufferization.alloc_tensor() copy(%[[Y]]) : tensor<4xf32>
// CHECK: return %[[Y]], %[[X_COPY]], %[[Y_COPY]]
#map = affine_map<(d0) -> (d0)>
module attributes {mbert.model_name = "m"} {
  func.func @m_run(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
    %zero = arith.constant 0.0 : f32
    %init = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
        ins(%x : tensor<4xf32>) outs(%init : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %r = arith.maximumf %in, %zero : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    return %y, %x, %y : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  }
}
