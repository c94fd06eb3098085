// RUN: mbert-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(mbert-bound-sequence-length)" | FileCheck %s

// A model compiled for 8 positions takes the length L at run time: a
// sequence_length argument; inputs become [1, ?], zero-padded to the [1, 8]
// the model reads; the embedding, attention and the linear on the sequence
// get length(L); the mask plumbing keeps its static shapes (it treats
// positions independently); the sequence-shaped output is sliced to L and the
// first position's row, which every length has, is not. The signature
// records the largest length and each tensor's sequence axis.

// CHECK: module attributes {mbert.max_sequence_length = 8 : i64
// CHECK-SAME: name = "input_ids", sequence_axis = 1 : i64
// CHECK-SAME: name = "attention_mask", sequence_axis = 1 : i64
// CHECK-SAME: name = "hidden", sequence_axis = 1 : i64
// CHECK-SAME: {dtype = 1 : i32, name = "first", shape = array<i64: 1, 8>}
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<1x?xi64> {mbert.entry_argument = #mbert.entry_argument<input>},
// CHECK-SAME: %[[MASK:[^:]+]]: tensor<1x?xi64> {mbert.entry_argument = #mbert.entry_argument<input>},
// CHECK-SAME: %[[L:[^:]+]]: index {mbert.entry_argument = #mbert.entry_argument<sequence_length>})
// CHECK-SAME: -> (tensor<1x?x8xf32>, tensor<1x8xf32>)
// CHECK: %[[ZEROS:.+]] = linalg.fill ins(%{{.+}} : i64) outs(%{{.+}} : tensor<1x8xi64>)
// CHECK: %[[PADDED_IDS:.+]] = tensor.insert_slice %[[IDS]] into %[[ZEROS]][0, 0] [1, %[[L]]] [1, 1] : tensor<1x?xi64> into tensor<1x8xi64>
// CHECK: %[[PADDED_MASK:.+]] = tensor.insert_slice %[[MASK]] into %{{.+}}[0, 0] [1, %[[L]]] [1, 1]
// CHECK: %[[EMBEDDED:.+]] = mbert.embedding %[[PADDED_IDS]], %{{.+}}, %{{.+}} length(%[[L]])
// CHECK: onnx.Unsqueeze %[[PADDED_MASK]], %{{.+}} : (tensor<1x8xi64>, tensor<1xi64>) -> tensor<1x1x8xi64>
// CHECK: %[[BIAS:.+]] = onnx.Mul
// CHECK: %[[ATTENDED:.+]] = mbert.attention %[[EMBEDDED]], %[[EMBEDDED]], %[[EMBEDDED]] mask(%[[BIAS]]) length(%[[L]])
// CHECK: %[[HIDDEN:.+]] = mbert.linear %[[ATTENDED]], %{{.+}} residual(%[[EMBEDDED]]) length(%[[L]])
// CHECK: %[[FIRST:.+]] = onnx.Gather %[[HIDDEN]]
// CHECK: %[[VALID:.+]] = tensor.extract_slice %[[HIDDEN]][0, 0, 0] [1, %[[L]], 8] [1, 1, 1] : tensor<1x8x8xf32> to tensor<1x?x8xf32>
// CHECK: return %[[VALID]], %[[FIRST]] : tensor<1x?x8xf32>, tensor<1x8xf32>
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 1, 8>},
              {name = "attention_mask", dtype = 7 : i32, shape = array<i64: 1, 8>}],
    outputs = [{name = "hidden", dtype = 1 : i32, shape = array<i64: 1, 8, 8>},
               {name = "first", dtype = 1 : i32, shape = array<i64: 1, 8>}]}
} {
  func.func @m_run(%ids: tensor<1x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>},
                   %mask: tensor<1x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>})
      -> (tensor<1x8x8xf32>, tensor<1x8xf32>) {
    %table = onnx.Constant dense<0.5> : tensor<10x4xf32>
    %projection = onnx.Constant dense<0.25> : tensor<12x8xf32>
    %weight = onnx.Constant dense<0.125> : tensor<8x8xf32>
    %one = onnx.Constant dense<1.0> : tensor<f32>
    %big = onnx.Constant dense<-10000.0> : tensor<f32>
    %axis1 = onnx.Constant dense<1> : tensor<1xi64>
    %axis2 = onnx.Constant dense<2> : tensor<1xi64>
    %zero = onnx.Constant dense<0> : tensor<i64>
    %embedded = mbert.embedding %ids, %table, %projection : (tensor<1x8xi64>, tensor<10x4xf32>, tensor<12x8xf32>) -> tensor<1x8x8xf32>
    %m1 = onnx.Unsqueeze %mask, %axis1 : (tensor<1x8xi64>, tensor<1xi64>) -> tensor<1x1x8xi64>
    %m2 = onnx.Unsqueeze %m1, %axis2 : (tensor<1x1x8xi64>, tensor<1xi64>) -> tensor<1x1x1x8xi64>
    %m3 = onnx.Cast %m2 {to = f32} : (tensor<1x1x1x8xi64>) -> tensor<1x1x1x8xf32>
    %m4 = onnx.Sub %one, %m3 : (tensor<f32>, tensor<1x1x1x8xf32>) -> tensor<1x1x1x8xf32>
    %bias = onnx.Mul %m4, %big : (tensor<1x1x1x8xf32>, tensor<f32>) -> tensor<1x1x1x8xf32>
    %attended = mbert.attention %embedded, %embedded, %embedded mask(%bias) {num_heads = 2 : i64, scale = 1.0 : f32} : (tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x8xf32>
    %hidden = mbert.linear %attended, %weight residual(%embedded) : (tensor<1x8x8xf32>, tensor<8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
    %first = onnx.Gather %hidden, %zero {axis = 1 : i64} : (tensor<1x8x8xf32>, tensor<i64>) -> tensor<1x8xf32>
    return %hidden, %first : tensor<1x8x8xf32>, tensor<1x8xf32>
  }
}

// -----

// Averaging over the sequence would read the undefined positions past L.
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 7 : i32, shape = array<i64: 1, 8>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 1, 1>}]}
} {
  func.func @m_run(%ids: tensor<1x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<1x1xf32> {
    %x = onnx.Cast %ids {to = f32} : (tensor<1x8xi64>) -> tensor<1x8xf32>
    // expected-error @+1 {{--max-seq-len: 'onnx.ReduceMean' averages over the sequence axis}}
    %y = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<1x8xf32>) -> tensor<1x1xf32>
    return %y : tensor<1x1xf32>
  }
}

// -----

// Only position 0 is sure to exist at every length.
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 7 : i32, shape = array<i64: 1, 8>}],
    outputs = [{name = "y", dtype = 7 : i32, shape = array<i64: 1>}]}
} {
  func.func @m_run(%ids: tensor<1x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<1xi64> {
    %three = onnx.Constant dense<3> : tensor<i64>
    // expected-error @+1 {{--max-seq-len: 'onnx.Gather' selects positions other than the first}}
    %y = onnx.Gather %ids, %three {axis = 1 : i64} : (tensor<1x8xi64>, tensor<i64>) -> tensor<1xi64>
    return %y : tensor<1xi64>
  }
}

// -----

// Attention left as MatMuls (the generic path) contracts over positions.
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 7 : i32, shape = array<i64: 1, 8>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 1, 8, 8>}]}
} {
  func.func @m_run(%ids: tensor<1x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<1x8x8xf32> {
    %axis = onnx.Constant dense<2> : tensor<1xi64>
    %x = onnx.Cast %ids {to = f32} : (tensor<1x8xi64>) -> tensor<1x8xf32>
    %column = onnx.Unsqueeze %x, %axis : (tensor<1x8xf32>, tensor<1xi64>) -> tensor<1x8x1xf32>
    %perm = onnx.Transpose %column {perm = array<i64: 0, 2, 1>} : (tensor<1x8x1xf32>) -> tensor<1x1x8xf32>
    // expected-error @+1 {{--max-seq-len: 'onnx.MatMul' contracts over the sequence axis}}
    %scores = onnx.MatMul %column, %perm : (tensor<1x8x1xf32>, tensor<1x1x8xf32>) -> tensor<1x8x8xf32>
    return %scores : tensor<1x8x8xf32>
  }
}

// -----

// The length is one number for a batch of one.
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 7 : i32, shape = array<i64: 2, 8>}],
    outputs = [{name = "y", dtype = 7 : i32, shape = array<i64: 2, 8>}]}
} {
  // expected-error @+1 {{--max-seq-len needs every input shaped [1, S] (batch 1), but input 0 is 'tensor<2x8xi64>'}}
  func.func @m_run(%ids: tensor<2x8xi64> {mbert.entry_argument = #mbert.entry_argument<input>}) -> tensor<2x8xi64> {
    return %ids : tensor<2x8xi64>
  }
}
