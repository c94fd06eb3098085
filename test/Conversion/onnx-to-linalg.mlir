// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg))" | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg))" | FileCheck %s --check-prefix=NO-ONNX

// Every import op lowers; nothing of the onnx dialect survives.
// NO-ONNX-NOT: onnx.

// Indexing maps print as aliases ahead of the functions.
// CHECK-DAG: #[[$ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ADD_RHS:.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[$MM_LHS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[$MM_RHS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[$MM_OUT:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$VEC_K:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[$VEC_RHS:.+]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[$LEADING2:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$GEMM_AT:.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[$GEMM_BT:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$DROP_MID:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>

// CHECK-LABEL: func.func @constant
// CHECK: %[[C:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = onnx.Constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func.func @shape_of_static_tensor
// CHECK: %[[C:.+]] = arith.constant dense<[3, 4]> : tensor<2xi64>
// CHECK: return %[[C]]
func.func @shape_of_static_tensor(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %0 = onnx.Shape %x {start = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// CHECK-LABEL: func.func @constant_of_shape
// CHECK: %[[C:.+]] = arith.constant dense<1.500000e+00> : tensor<2x3xf32>
// CHECK: return %[[C]]
func.func @constant_of_shape() -> tensor<2x3xf32> {
  %shape = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %0 = onnx.ConstantOfShape %shape {value = dense<1.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// A size-1 dimension reads index 0; the missing leading dimension is dropped.
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.+]]: tensor<2x3x4xf32>, %[[B:.+]]: tensor<3x1xf32>)
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID3]], #[[$ADD_RHS]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3x4xf32>, tensor<3x1xf32>) outs(%[[INIT]] : tensor<2x3x4xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x3x4xf32>, %b: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = onnx.Add %a, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @sub_mul_int
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: linalg.generic
// CHECK: arith.muli
func.func @sub_mul_int(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = onnx.Sub %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = onnx.Mul %0, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %1 : tensor<4xi64>
}

// Integer division truncates toward zero.
// CHECK-LABEL: func.func @div
// CHECK: arith.divsi %{{.+}}, %{{.+}} : i32
// CHECK: arith.divf %{{.+}}, %{{.+}} : f32
func.func @div(%a: tensor<4xi32>, %b: tensor<4xi32>, %x: tensor<4xf32>, %y: tensor<f32>) -> (tensor<4xi32>, tensor<4xf32>) {
  %0 = onnx.Div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = onnx.Div %x, %y : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xi32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @equal_where
// CHECK: linalg.generic
// CHECK: %[[EQ:.+]] = arith.cmpi eq, %{{.+}}, %{{.+}} : i64
// CHECK: linalg.yield %[[EQ]] : i1
// CHECK: linalg.generic
// CHECK: ^bb0(%[[COND:.+]]: i1, %[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK: arith.select %[[COND]], %[[X]], %[[Y]] : f32
func.func @equal_where(%a: tensor<2x3xi64>, %b: tensor<3xi64>, %x: tensor<2x3xf32>, %y: tensor<f32>) -> tensor<2x3xf32> {
  %0 = onnx.Equal %a, %b : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi1>
  %1 = onnx.Where %0, %x, %y : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @relu
// CHECK: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK: arith.maximumf %[[IN]], %{{.+}} fastmath<nsz> : f32
func.func @relu(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// A cast to bool tests for non-zero (NaN included); bool casts as 0/1.
// CHECK-LABEL: func.func @cast_bool
// CHECK: arith.cmpf une, %{{.+}}, %{{.+}} : f32
// CHECK: arith.cmpi ne, %{{.+}}, %{{.+}} : i64
// CHECK: arith.uitofp %{{.+}} : i1 to f32
// CHECK: arith.extui %{{.+}} : i1 to i64
func.func @cast_bool(%f: tensor<4xf32>, %i: tensor<4xi64>, %b: tensor<4xi1>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xi64>) {
  %0 = onnx.Cast %f {to = i1} : (tensor<4xf32>) -> tensor<4xi1>
  %1 = onnx.Cast %i {to = i1} : (tensor<4xi64>) -> tensor<4xi1>
  %2 = onnx.Cast %b {to = f32} : (tensor<4xi1>) -> tensor<4xf32>
  %3 = onnx.Cast %b {to = i64} : (tensor<4xi1>) -> tensor<4xi64>
  return %0, %1, %2, %3 : tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xi64>
}

// CHECK-LABEL: func.func @cast_numbers
// CHECK: arith.trunci %{{.+}} : i64 to i32
// CHECK: arith.extsi %{{.+}} : i32 to i64
// CHECK: arith.sitofp %{{.+}} : i64 to f32
// CHECK: arith.fptosi %{{.+}} : f32 to i64
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: arith.extf %{{.+}} : f16 to f32
func.func @cast_numbers(%i: tensor<4xi64>, %f: tensor<4xf32>) -> (tensor<4xi64>, tensor<4xf32>, tensor<4xi64>, tensor<4xf32>) {
  %0 = onnx.Cast %i {to = i32} : (tensor<4xi64>) -> tensor<4xi32>
  %1 = onnx.Cast %0 {to = i64} : (tensor<4xi32>) -> tensor<4xi64>
  %2 = onnx.Cast %i {to = f32} : (tensor<4xi64>) -> tensor<4xf32>
  %3 = onnx.Cast %f {to = i64} : (tensor<4xf32>) -> tensor<4xi64>
  %4 = onnx.Cast %f {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
  %5 = onnx.Cast %4 {to = f32} : (tensor<4xf16>) -> tensor<4xf32>
  return %1, %2, %3, %5 : tensor<4xi64>, tensor<4xf32>, tensor<4xi64>, tensor<4xf32>
}

// Batch dims broadcast (2x1 against 5); loops are (batch0, batch1, m, n, k).
// CHECK-LABEL: func.func @matmul_batched_broadcast
// CHECK-SAME: (%[[A:.+]]: tensor<2x1x3x4xf32>, %[[B:.+]]: tensor<5x4x6xf32>)
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[EMPTY:.+]] = tensor.empty() : tensor<2x5x3x6xf32>
// CHECK: %[[FILL:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<2x5x3x6xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$MM_LHS]], #[[$MM_RHS]], #[[$MM_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) outs(%[[FILL]] : tensor<2x5x3x6xf32>)
// CHECK: ^bb0(%[[L:.+]]: f32, %[[R:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK: %[[PRODUCT:.+]] = arith.mulf %[[L]], %[[R]] : f32
// CHECK: %[[SUM:.+]] = arith.addf %[[ACC]], %[[PRODUCT]] : f32
// CHECK: linalg.yield %[[SUM]] : f32
func.func @matmul_batched_broadcast(%a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  return %0 : tensor<2x5x3x6xf32>
}

// A 1-D lhs has no m loop: loops are (batch, n, k).
// CHECK-LABEL: func.func @matmul_vector_lhs
// CHECK: linalg.generic {indexing_maps = [#[[$VEC_K]], #[[$VEC_RHS]], #[[$LEADING2]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<4xf32>, tensor<3x4x5xf32>) outs(%{{.+}} : tensor<3x5xf32>)
func.func @matmul_vector_lhs(%v: tensor<4xf32>, %m: tensor<3x4x5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.MatMul %v, %m : (tensor<4xf32>, tensor<3x4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// Transposes are indexing maps; alpha, beta and C form the epilogue.
// CHECK-LABEL: func.func @gemm
// CHECK-DAG: %[[ALPHA:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[BETA:.+]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[PRODUCT:.+]] = linalg.generic {indexing_maps = [#[[$GEMM_AT]], #[[$GEMM_BT]], #[[$LEADING2]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$ROW]], #{{.+}}], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[PRODUCT]], %{{.+}} : tensor<3x5xf32>, tensor<5xf32>)
// CHECK: ^bb0(%[[AB:.+]]: f32, %[[C:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[SCALED_AB:.+]] = arith.mulf %[[AB]], %[[ALPHA]] : f32
// CHECK: %[[SCALED_C:.+]] = arith.mulf %[[C]], %[[BETA]] : f32
// CHECK: arith.addf %[[SCALED_AB]], %[[SCALED_C]] : f32
func.func @gemm(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.Gemm %a, %b, %c {alpha = 0.5 : f32, beta = 2.0 : f32, transA = 1 : i64, transB = 1 : i64} : (tensor<4x3xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// axis = -2 is the middle axis: max, exp(x - max), sum (in any order, so
// that it vectorizes), then one reciprocal per sum and a multiply.
// CHECK-LABEL: func.func @softmax_negative_axis
// CHECK-DAG: %[[NEG_INF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX_INIT:.+]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.+}} : tensor<2x3xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$DROP_MID]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: outs(%[[MAX_INIT]] : tensor<2x3xf32>)
// CHECK: arith.maximumf {{.+}} fastmath<nsz>
// CHECK: %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$DROP_MID]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%{{.+}}, %[[MAX]] : tensor<2x5x3xf32>, tensor<2x3xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$ID3]], #[[$DROP_MID]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[EXP]] : tensor<2x5x3xf32>)
// CHECK: arith.addf %{{.+}}, %{{.+}} fastmath<reassoc> : f32
// CHECK: %[[RECIPROCAL:.+]] = linalg.generic {{.+}} ins(%[[SUM]] : tensor<2x3xf32>)
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.divf %[[ONE]], %{{.+}} : f32
// CHECK: linalg.generic {indexing_maps = [#[[$ID3]], #[[$DROP_MID]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[EXP]], %[[RECIPROCAL]] : tensor<2x5x3xf32>, tensor<2x3xf32>)
// CHECK: arith.mulf
func.func @softmax_negative_axis(%x: tensor<2x5x3xf32>) -> tensor<2x5x3xf32> {
  %0 = onnx.Softmax %x {axis = -2 : i64} : (tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}

// Negative indices wrap by the extent (5), then clamp into [0, 4].
// CHECK-LABEL: func.func @gather_negative_indices
// CHECK-SAME: (%[[DATA:.+]]: tensor<5x3xf32>, %[[IDS:.+]]: tensor<2x4xi64>)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C5:.+]] = arith.constant 5 : index
// CHECK: linalg.generic {indexing_maps = [#[[$LEADING2]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[IDS]] : tensor<2x4xi64>)
// CHECK: ^bb0(%[[ID:.+]]: i64, %{{.+}}: f32):
// CHECK: %[[INDEX:.+]] = arith.index_cast %[[ID]] : i64 to index
// CHECK: %[[NEG:.+]] = arith.cmpi slt, %[[INDEX]], %[[C0]] : index
// CHECK: %[[FROM_END:.+]] = arith.addi %[[INDEX]], %[[C5]] : index
// CHECK: %[[WRAPPED:.+]] = arith.select %[[NEG]], %[[FROM_END]], %[[INDEX]] : index
// CHECK: %[[LOW:.+]] = arith.maxsi %[[WRAPPED]], %[[C0]] : index
// CHECK: %[[CLAMPED:.+]] = arith.minsi %[[LOW]], %[[C4]] : index
// CHECK: %[[COLUMN:.+]] = linalg.index 2 : index
// CHECK: %[[ROW:.+]] = tensor.extract %[[DATA]][%[[CLAMPED]], %[[COLUMN]]] : tensor<5x3xf32>
// CHECK: linalg.yield %[[ROW]] : f32
func.func @gather_negative_indices(%data: tensor<5x3xf32>, %ids: tensor<2x4xi64>) -> tensor<2x4x3xf32> {
  %0 = onnx.Gather %data, %ids {axis = 0 : i64} : (tensor<5x3xf32>, tensor<2x4xi64>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// Slice's assembly format cannot carry its operand segments: generic form.
// CHECK-LABEL: func.func @slice_forward
// CHECK-SAME: (%[[X:.+]]: tensor<5x6xf32>)
// CHECK: tensor.extract_slice %[[X]][1, 0] [2, 3] [2, 2] : tensor<5x6xf32> to tensor<2x3xf32>
func.func @slice_forward(%x: tensor<5x6xf32>) -> tensor<2x3xf32> {
  %starts = onnx.Constant dense<[1, -100]> : tensor<2xi64>
  %ends = onnx.Constant dense<[-1, 100]> : tensor<2xi64>
  %steps = onnx.Constant dense<2> : tensor<2xi64>
  %0 = "onnx.Slice"(%x, %starts, %ends, %steps) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>}> : (tensor<5x6xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// x[4:0:-2, ::-1]: element (i, j) reads x[4 - 2i, 5 - j].
// CHECK-LABEL: func.func @slice_negative_step
// CHECK-SAME: (%[[X:.+]]: tensor<5x6xf32>)
// CHECK-DAG: %[[MINUS2:.+]] = arith.constant -2 : index
// CHECK-DAG: %[[MINUS1:.+]] = arith.constant -1 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C5:.+]] = arith.constant 5 : index
// CHECK: linalg.generic {indexing_maps = [#{{.+}}], iterator_types = ["parallel", "parallel"]} outs(%{{.+}} : tensor<2x6xf32>)
// CHECK: %[[I:.+]] = linalg.index 0 : index
// CHECK: %[[I_STEP:.+]] = arith.muli %[[I]], %[[MINUS2]] : index
// CHECK: %[[ROW:.+]] = arith.addi %[[I_STEP]], %[[C4]] : index
// CHECK: %[[J:.+]] = linalg.index 1 : index
// CHECK: %[[J_STEP:.+]] = arith.muli %[[J]], %[[MINUS1]] : index
// CHECK: %[[COLUMN:.+]] = arith.addi %[[J_STEP]], %[[C5]] : index
// CHECK: tensor.extract %[[X]][%[[ROW]], %[[COLUMN]]] : tensor<5x6xf32>
func.func @slice_negative_step(%x: tensor<5x6xf32>) -> tensor<2x6xf32> {
  %starts = onnx.Constant dense<[4, -1]> : tensor<2xi64>
  %ends = onnx.Constant dense<[0, -100]> : tensor<2xi64>
  %axes = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %steps = onnx.Constant dense<[-2, -1]> : tensor<2xi64>
  %0 = "onnx.Slice"(%x, %starts, %ends, %axes, %steps) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}> : (tensor<5x6xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// pads [begin0, begin1, end0, end1] = [1, -1, -1, 2]: crop first, then pad.
// CHECK-LABEL: func.func @pad_negative
// CHECK-SAME: (%[[X:.+]]: tensor<3x4xf32>, %[[VALUE:.+]]: tensor<f32>)
// CHECK: %[[CROPPED:.+]] = tensor.extract_slice %[[X]][0, 1] [2, 3] [1, 1] : tensor<3x4xf32> to tensor<2x3xf32>
// CHECK: %[[PAD_VALUE:.+]] = tensor.extract %[[VALUE]][] : tensor<f32>
// CHECK: tensor.pad %[[CROPPED]] low[1, 0] high[0, 2]
// CHECK: tensor.yield %[[PAD_VALUE]] : f32
// CHECK: tensor<2x3xf32> to tensor<3x5xf32>
func.func @pad_negative(%x: tensor<3x4xf32>, %value: tensor<f32>) -> tensor<3x5xf32> {
  %pads = onnx.Constant dense<[1, -1, -1, 2]> : tensor<4xi64>
  %0 = onnx.Pad %x, %pads, %value : (tensor<3x4xf32>, tensor<4xi64>, tensor<f32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.+]]: tensor<2x1xf32>, %[[B:.+]]: tensor<2x3xf32>)
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[FIRST:.+]] = tensor.insert_slice %[[A]] into %[[EMPTY]][0, 0] [2, 1] [1, 1]
// CHECK: %[[BOTH:.+]] = tensor.insert_slice %[[B]] into %[[FIRST]][0, 1] [2, 3] [1, 1]
// CHECK: return %[[BOTH]]
func.func @concat(%a: tensor<2x1xf32>, %b: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %0 = onnx.Concat %a, %b {axis = -1 : i64} : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[X:.+]]: tensor<2x6xf32>)
// CHECK: %[[FIRST:.+]] = tensor.extract_slice %[[X]][0, 0] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
// CHECK: %[[SECOND:.+]] = tensor.extract_slice %[[X]][0, 2] [2, 4] [1, 1] : tensor<2x6xf32> to tensor<2x4xf32>
// CHECK: return %[[FIRST]], %[[SECOND]]
func.func @split(%x: tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>) {
  %sizes = onnx.Constant dense<[2, 4]> : tensor<2xi64>
  %0:2 = onnx.Split %x, %sizes {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  return %0#0, %0#1 : tensor<2x2xf32>, tensor<2x4xf32>
}

// [0, -1] keeps dim 0 and infers 12: a single collapse.
// CHECK-LABEL: func.func @reshape_copy_and_infer
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
func.func @reshape_copy_and_infer(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %shape = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  %0 = onnx.Reshape %x, %shape : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// No single reassociation maps 2x3 to 3x2: through 1-D.
// CHECK-LABEL: func.func @reshape_through_flat
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
func.func @reshape_through_flat(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %shape = onnx.Constant dense<[3, -1]> : tensor<2xi64>
  %0 = onnx.Reshape %x, %shape : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0, 1], [2]] : tensor<1x4x1xf32> into tensor<4x1xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0, 1, 2]] output_shape [1, 4, 1] : tensor<4xf32> into tensor<1x4x1xf32>
func.func @squeeze_unsqueeze(%x: tensor<1x4x1xf32>, %y: tensor<4xf32>) -> (tensor<4x1xf32>, tensor<1x4x1xf32>) {
  %axes0 = onnx.Constant dense<[0]> : tensor<1xi64>
  %0 = onnx.Squeeze %x, %axes0 : (tensor<1x4x1xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %axes = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  %1 = onnx.Unsqueeze %y, %axes : (tensor<4xf32>, tensor<2xi64>) -> tensor<1x4x1xf32>
  return %0, %1 : tensor<4x1xf32>, tensor<1x4x1xf32>
}

// CHECK-LABEL: func.func @rank0_reshapes
// CHECK: %[[ONE:.+]] = tensor.expand_shape %{{.+}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: tensor.expand_shape %[[ONE]] {{\[}}[0, 1]] output_shape [1, 1] : tensor<1xf32> into tensor<1x1xf32>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<1x1xf32> into tensor<1xf32>
// CHECK: tensor.collapse_shape %[[FLAT]] [] : tensor<1xf32> into tensor<f32>
func.func @rank0_reshapes(%scalar: tensor<f32>, %x: tensor<1x1xf32>) -> (tensor<1x1xf32>, tensor<f32>) {
  %axes = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %0 = onnx.Unsqueeze %scalar, %axes : (tensor<f32>, tensor<2xi64>) -> tensor<1x1xf32>
  %1 = onnx.Squeeze %x : (tensor<1x1xf32>) -> tensor<f32>
  return %0, %1 : tensor<1x1xf32>, tensor<f32>
}

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK: %[[PERMUTED:.+]] = linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.+}} : tensor<3x2x4xf32>) permutation = [1, 0, 2]
// CHECK: linalg.transpose ins(%[[PERMUTED]] : tensor<3x2x4xf32>) outs(%{{.+}} : tensor<4x2x3xf32>) permutation = [2, 1, 0]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = onnx.Transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = onnx.Transpose %0 : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// A scalar or a vector has one order only: the transpose is its input.
// CHECK-LABEL: func.func @transpose_scalar_and_vector
// CHECK-SAME: (%[[S:[^:]+]]: tensor<f32>, %[[V:[^:]+]]: tensor<5xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: return %[[S]], %[[V]] : tensor<f32>, tensor<5xf32>
func.func @transpose_scalar_and_vector(%s: tensor<f32>, %v: tensor<5xf32>) -> (tensor<f32>, tensor<5xf32>) {
  %0 = onnx.Transpose %s : (tensor<f32>) -> tensor<f32>
  %1 = onnx.Transpose %v {perm = array<i64: 0>} : (tensor<5xf32>) -> tensor<5xf32>
  return %0, %1 : tensor<f32>, tensor<5xf32>
}

// CHECK-LABEL: func.func @expand
// CHECK-SAME: (%[[X:.+]]: tensor<3x1xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ADD_RHS]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<3x1xf32>) outs(%{{.+}} : tensor<2x3x4xf32>)
// CHECK: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK: linalg.yield %[[IN]] : f32
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %shape = onnx.Constant dense<[2, 1, 4]> : tensor<3xi64>
  %0 = onnx.Expand %x, %shape : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// The mean sums the reduced axis into a [2, 4] tensor, divides by its extent (3) and expands
// back to the keepdims shape.
// CHECK-LABEL: func.func @reduce_mean_keepdims
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-SAME: outs(%{{.+}} : tensor<2x4xf32>)
// CHECK: arith.addf
// CHECK: %[[COUNT:.+]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x4xf32>)
// CHECK: arith.divf %{{.+}}, %[[COUNT]]
// CHECK: tensor.expand_shape %[[MEAN]] {{\[\[}}0], [1, 2]] output_shape [2, 1, 4]
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %0 = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// A float base takes the exponent in its own type; an integer base computes in f64 and
// truncates back to its type.
// CHECK-LABEL: func.func @pow_sqrt
// CHECK: ^bb0(%[[BASE:.+]]: f32, %[[EXP:.+]]: i64, %{{.+}}: f32):
// CHECK:   %[[EXP_F:.+]] = arith.sitofp %[[EXP]] : i64 to f32
// CHECK:   math.powf %[[BASE]], %[[EXP_F]] : f32
// CHECK: math.sqrt %{{.+}} : f32
// CHECK: ^bb0(%[[IBASE:.+]]: i32, %[[FEXP:.+]]: f32, %{{.+}}: i32):
// CHECK:   %[[WIDE_BASE:.+]] = arith.sitofp %[[IBASE]] : i32 to f64
// CHECK:   %[[WIDE_EXP:.+]] = arith.extf %[[FEXP]] : f32 to f64
// CHECK:   %[[POWER:.+]] = math.powf %[[WIDE_BASE]], %[[WIDE_EXP]] : f64
// CHECK:   arith.fptosi %[[POWER]] : f64 to i32
func.func @pow_sqrt(%x: tensor<2x3xf32>, %e: tensor<i64>, %b: tensor<3xi32>, %f: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xi32>) {
  %0 = onnx.Pow %x, %e : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  %1 = onnx.Sqrt %0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = onnx.Pow %b, %f : (tensor<3xi32>, tensor<3xf32>) -> tensor<3xi32>
  return %1, %2 : tensor<2x3xf32>, tensor<3xi32>
}

// Mean, centred values, mean of their squares, 1 / sqrt(variance + epsilon), then one
// elementwise pass applying it with scale and bias. inv_std_dev is the op's third result.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.+]]: tensor<2x4xf32>, %[[SCALE:.+]]: tensor<4xf32>, %[[BIAS:.+]]: tensor<4xf32>)
// CHECK: %[[MEAN:.+]] = tensor.expand_shape {{.*}} into tensor<2x1xf32>
// CHECK: %[[CENTERED:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[MEAN]] : tensor<2x4xf32>, tensor<2x1xf32>)
// CHECK: arith.subf
// CHECK: %[[SQUARED:.+]] = linalg.generic {{.*}} ins(%[[CENTERED]] : tensor<2x4xf32>)
// CHECK: arith.mulf %[[IN:.+]], %[[IN]] : f32
// CHECK: %[[VARIANCE:.+]] = tensor.expand_shape {{.*}} into tensor<2x1xf32>
// CHECK: %[[EPS:.+]] = arith.constant 9.99999996E-13 : f32
// CHECK: %[[INV:.+]] = linalg.generic {{.*}} ins(%[[VARIANCE]] : tensor<2x1xf32>)
// CHECK:   arith.addf %{{.+}}, %[[EPS]]
// CHECK:   math.sqrt
// CHECK:   arith.divf
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[CENTERED]], %[[INV]], %[[SCALE]], %[[BIAS]] : tensor<2x4xf32>, tensor<2x1xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: return %[[Y]], %[[INV]]
func.func @layer_norm(%x: tensor<2x4xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>) {
  %0:3 = onnx.LayerNormalization %x, %s, %b {epsilon = 1.0e-12 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return %0#0, %0#2 : tensor<2x4xf32>, tensor<2x1xf32>
}
