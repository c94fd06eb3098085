// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-raise-to-mbert))" | FileCheck %s

// The embedding as torch exports it (B = 1, S = 4, E = 2, H = 3): word rows,
// the next and previous rows (Slice + zero Pad along the sequence),
// concatenated next, own, previous, projected, plus the position table and
// the token-type rows. The position table has the projection's type at
// B = 1, so it may first become the linear's residual; either way the whole
// subgraph becomes one op.
// CHECK-LABEL: func.func @trigram_embedding
// CHECK-SAME: (%[[IDS:.+]]: tensor<1x4xi64>, %[[TYPES:.+]]: tensor<1x4xi64>)
// CHECK-DAG: %[[TABLE:.+]] = onnx.Constant dense<{{.+}}> : tensor<5x2xf32>
// CHECK-DAG: %[[W:.+]] = onnx.Constant dense<5.000000e-01> : tensor<6x3xf32>
// CHECK-DAG: %[[B:.+]] = onnx.Constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[POS:.+]] = onnx.Constant dense<2.500000e-01> : tensor<1x4x3xf32>
// CHECK-DAG: %[[TYPE_TABLE:.+]] = onnx.Constant dense<{{.+}}> : tensor<2x3xf32>
// CHECK: %[[E:.+]] = mbert.embedding %[[IDS]], %[[TABLE]], %[[W]] bias(%[[B]]) position(%[[POS]]) token_types(%[[TYPES]], %[[TYPE_TABLE]]) : (tensor<1x4xi64>, tensor<5x2xf32>, tensor<6x3xf32>, tensor<3xf32>, tensor<1x4x3xf32>, tensor<1x4xi64>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
// CHECK-NOT: onnx.Gather
// CHECK-NOT: onnx.Slice
// CHECK-NOT: onnx.Pad
// CHECK-NOT: onnx.Concat
// CHECK-NOT: onnx.Add
// CHECK-NOT: mbert.linear
// CHECK: return %[[E]]
func.func @trigram_embedding(%ids: tensor<1x4xi64>, %types: tensor<1x4xi64>) -> tensor<1x4x3xf32> {
  %table = onnx.Constant dense<[[0.0, 0.1], [1.0, 1.1], [2.0, 2.1], [3.0, 3.1], [4.0, 4.1]]> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %pos = onnx.Constant dense<0.25> : tensor<1x4x3xf32>
  %type_table = onnx.Constant dense<[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]> : tensor<2x3xf32>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %cm1 = onnx.Constant dense<-1> : tensor<1xi64>
  %end = onnx.Constant dense<9223372036854775807> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %end, %c1, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %next = onnx.Pad %tail, %pad_after, %zero : (tensor<1x3x2xf32>, tensor<6xi64>, tensor<f32>) -> tensor<1x4x2xf32>
  %head = onnx.Slice %rows, %c0, %cm1, %c1, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %previous = onnx.Pad %head, %pad_before, %zero : (tensor<1x3x2xf32>, tensor<6xi64>, tensor<f32>) -> tensor<1x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<1x4x6xf32>, tensor<6x3xf32>) -> tensor<1x4x3xf32>
  %biased = onnx.Add %projected, %b : (tensor<1x4x3xf32>, tensor<3xf32>) -> tensor<1x4x3xf32>
  %type_rows = onnx.Gather %type_table, %types : (tensor<2x3xf32>, tensor<1x4xi64>) -> tensor<1x4x3xf32>
  %positioned = onnx.Add %biased, %pos : (tensor<1x4x3xf32>, tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  %sum = onnx.Add %positioned, %type_rows : (tensor<1x4x3xf32>, tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  return %sum : tensor<1x4x3xf32>
}

// B = 2 and no token_type_ids: the position table ([1, S, H]) is broadcast
// by its Add, and the type rows of token type 0 are an already folded
// constant, which joins the position at compile time (0.25 + 0.5). The
// slices name their axes but no steps, the Pads have no constant_value (zero
// by default), the Concat counts its axis from the end.
// CHECK-LABEL: func.func @batch_without_token_types
// CHECK-SAME: (%[[IDS:.+]]: tensor<2x4xi32>)
// CHECK-DAG: %[[POS:.+]] = onnx.Constant dense<7.500000e-01> : tensor<1x4x3xf32>
// CHECK: %[[E:.+]] = mbert.embedding %[[IDS]], %{{.+}}, %{{.+}} bias(%{{.+}}) position(%[[POS]]) : (tensor<2x4xi32>, tensor<5x2xf32>, tensor<6x3xf32>, tensor<3xf32>, tensor<1x4x3xf32>) -> tensor<2x4x3xf32>
// CHECK-NOT: onnx.Concat
// CHECK-NOT: onnx.Add
// CHECK: return %[[E]]
func.func @batch_without_token_types(%ids: tensor<2x4xi32>) -> tensor<2x4x3xf32> {
  %table = onnx.Constant dense<1.0> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %pos = onnx.Constant dense<0.25> : tensor<1x4x3xf32>
  %type_rows = onnx.Constant dense<0.5> : tensor<1x4x3xf32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<2x4xi32>) -> tensor<2x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3x2xf32>
  %next = onnx.Pad %tail, %pad_after : (tensor<2x3x2xf32>, tensor<6xi64>) -> tensor<2x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3x2xf32>
  %previous = onnx.Pad %head, %pad_before : (tensor<2x3x2xf32>, tensor<6xi64>) -> tensor<2x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = -1 : i64} : (tensor<2x4x2xf32>, tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<2x4x6xf32>, tensor<6x3xf32>) -> tensor<2x4x3xf32>
  %biased = onnx.Add %b, %projected : (tensor<3xf32>, tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  %positioned = onnx.Add %biased, %pos : (tensor<2x4x3xf32>, tensor<1x4x3xf32>) -> tensor<2x4x3xf32>
  %sum = onnx.Add %positioned, %type_rows : (tensor<2x4x3xf32>, tensor<1x4x3xf32>) -> tensor<2x4x3xf32>
  return %sum : tensor<2x4x3xf32>
}

// Not raised: the Concat is also returned, so it would have to stay anyway.
// The projection still becomes a linear.
// CHECK-LABEL: func.func @concat_second_user
// CHECK-NOT: mbert.embedding
// CHECK: %[[T:.+]] = onnx.Concat
// CHECK: mbert.linear %[[T]]
// CHECK-NOT: mbert.embedding
// CHECK: return
func.func @concat_second_user(%ids: tensor<1x4xi64>) -> (tensor<1x4x3xf32>, tensor<1x4x6xf32>) {
  %table = onnx.Constant dense<1.0> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %next = onnx.Pad %tail, %pad_after : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %previous = onnx.Pad %head, %pad_before : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<1x4x6xf32>, tensor<6x3xf32>) -> tensor<1x4x3xf32>
  return %projected, %trigram : tensor<1x4x3xf32>, tensor<1x4x6xf32>
}

// Not raised: previous rows first and next rows last is another model (the
// projection's row blocks would be swapped).
// CHECK-LABEL: func.func @shifted_the_wrong_way
// CHECK-NOT: mbert.embedding
// CHECK: onnx.Concat
// CHECK: mbert.linear
// CHECK-NOT: mbert.embedding
// CHECK: return
func.func @shifted_the_wrong_way(%ids: tensor<1x4xi64>) -> tensor<1x4x3xf32> {
  %table = onnx.Constant dense<1.0> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %next = onnx.Pad %tail, %pad_after : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %previous = onnx.Pad %head, %pad_before : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %trigram = onnx.Concat %previous, %rows, %next {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<1x4x6xf32>, tensor<6x3xf32>) -> tensor<1x4x3xf32>
  return %projected : tensor<1x4x3xf32>
}

// Not raised: the rows after the first are padded at the front, so every row
// sits where it was (a zeroed first row, not a shift).
// CHECK-LABEL: func.func @padded_at_the_wrong_end
// CHECK-NOT: mbert.embedding
// CHECK: onnx.Concat
// CHECK-NOT: mbert.embedding
// CHECK: return
func.func @padded_at_the_wrong_end(%ids: tensor<1x4xi64>) -> tensor<1x4x3xf32> {
  %table = onnx.Constant dense<1.0> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %next = onnx.Pad %tail, %pad_before : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %previous = onnx.Pad %head, %pad_before : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<1x4x6xf32>, tensor<6x3xf32>) -> tensor<1x4x3xf32>
  return %projected : tensor<1x4x3xf32>
}

// Not raised: the rows beyond the ends are filled with 1, not zero.
// CHECK-LABEL: func.func @padded_with_one
// CHECK-NOT: mbert.embedding
// CHECK: onnx.Concat
// CHECK-NOT: mbert.embedding
// CHECK: return
func.func @padded_with_one(%ids: tensor<1x4xi64>) -> tensor<1x4x3xf32> {
  %table = onnx.Constant dense<1.0> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %next = onnx.Pad %tail, %pad_after, %one : (tensor<1x3x2xf32>, tensor<6xi64>, tensor<f32>) -> tensor<1x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %previous = onnx.Pad %head, %pad_before, %one : (tensor<1x3x2xf32>, tensor<6xi64>, tensor<f32>) -> tensor<1x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<1x4x6xf32>, tensor<6x3xf32>) -> tensor<1x4x3xf32>
  return %projected : tensor<1x4x3xf32>
}

// Not raised: the table is an input, not a weight of the model.
// CHECK-LABEL: func.func @table_not_constant
// CHECK-NOT: mbert.embedding
// CHECK: onnx.Gather
// CHECK: onnx.Concat
// CHECK-NOT: mbert.embedding
// CHECK: return
func.func @table_not_constant(%ids: tensor<1x4xi64>, %table: tensor<5x2xf32>) -> tensor<1x4x3xf32> {
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %next = onnx.Pad %tail, %pad_after : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3x2xf32>
  %previous = onnx.Pad %head, %pad_before : (tensor<1x3x2xf32>, tensor<6xi64>) -> tensor<1x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = 2 : i64} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<1x4x6xf32>, tensor<6x3xf32>) -> tensor<1x4x3xf32>
  return %projected : tensor<1x4x3xf32>
}

// An addend the embedding cannot hold (a run-time tensor) stays an Add after
// it, also when the linear took it as its residual before being raised.
// CHECK-LABEL: func.func @addend_not_constant
// CHECK-SAME: (%[[IDS:.+]]: tensor<2x4xi64>, %[[EXTRA:.+]]: tensor<2x4x3xf32>)
// CHECK: %[[E:.+]] = mbert.embedding %[[IDS]]
// CHECK: %[[SUM:.+]] = onnx.Add %[[E]], %[[EXTRA]]
// CHECK: return %[[SUM]]
func.func @addend_not_constant(%ids: tensor<2x4xi64>, %extra: tensor<2x4x3xf32>) -> tensor<2x4x3xf32> {
  %table = onnx.Constant dense<1.0> : tensor<5x2xf32>
  %w = onnx.Constant dense<0.5> : tensor<6x3xf32>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %pad_after = onnx.Constant dense<[0, 0, 0, 0, 1, 0]> : tensor<6xi64>
  %pad_before = onnx.Constant dense<[0, 1, 0, 0, 0, 0]> : tensor<6xi64>
  %rows = onnx.Gather %table, %ids : (tensor<5x2xf32>, tensor<2x4xi64>) -> tensor<2x4x2xf32>
  %tail = onnx.Slice %rows, %c1, %c4, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3x2xf32>
  %next = onnx.Pad %tail, %pad_after : (tensor<2x3x2xf32>, tensor<6xi64>) -> tensor<2x4x2xf32>
  %head = onnx.Slice %rows, %c0, %c3, %c1 {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x4x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3x2xf32>
  %previous = onnx.Pad %head, %pad_before : (tensor<2x3x2xf32>, tensor<6xi64>) -> tensor<2x4x2xf32>
  %trigram = onnx.Concat %next, %rows, %previous {axis = 2 : i64} : (tensor<2x4x2xf32>, tensor<2x4x2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x6xf32>
  %projected = onnx.MatMul %trigram, %w : (tensor<2x4x6xf32>, tensor<6x3xf32>) -> tensor<2x4x3xf32>
  %sum = onnx.Add %projected, %extra : (tensor<2x4x3xf32>, tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  return %sum : tensor<2x4x3xf32>
}
