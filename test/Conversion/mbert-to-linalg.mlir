// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg,canonicalize,cse))" | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg))" | FileCheck %s --check-prefix=NO-MBERT

// Every model op lowers; of the mbert dialect only mbert.pool_threads, the
// linears' row blocks, survives, for the entry point's pool to replace.
// NO-MBERT-NOT: = mbert.{{(linear|embedding|no_norm|attention)}}

// CHECK-DAG: #[[$ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$CHANNEL:.+]] = affine_map<(d0, d1, d2) -> (d2)>

// A linear is a register-tiled GEMM on the [rows, K] view of its input (tile
// 4 x 8 here, as its kernel says). The bias plus the residual seed one accumulator vector per
// row, the k loop carries the accumulators and does one broadcast-FMA per
// row with a row of W, and relu is applied before the one write. 6 rows make
// a 4-row tile and a 2-row tail; N = 4 is narrower than the tile, so reads and
// writes are not in bounds (masked).
// CHECK-LABEL: func.func @linear_bias_residual_relu
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x5xf32>, %[[W:.+]]: tensor<5x4xf32>, %[[BIAS:.+]]: tensor<4xf32>, %[[RESIDUAL:.+]]: tensor<2x3x4xf32>)
// CHECK-DAG: %[[X2:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x5xf32> into tensor<6x5xf32>
// CHECK-DAG: %[[R2:.+]] = tensor.collapse_shape %[[RESIDUAL]] {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK-DAG: %[[ZEROS:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK: %[[B0:.+]] = vector.transfer_read %[[BIAS]][%{{.+}}], %{{.+}} : tensor<4xf32>, vector<8xf32>
// CHECK: %[[R0:.+]] = vector.transfer_read %[[R2]][%{{.+}}, %{{.+}}], %{{.+}} : tensor<6x4xf32>, vector<8xf32>
// CHECK: %[[SEED0:.+]] = arith.addf %[[B0]], %[[R0]] : vector<8xf32>
// CHECK: %[[TILE:.+]]:4 = scf.for %[[K:[^ ]+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC0:.+]] = %[[SEED0]], {{.+}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: %[[WROW:.+]] = vector.transfer_read %[[W]][%[[K]], %{{.+}}], %{{.+}} : tensor<5x4xf32>, vector<8xf32>
// CHECK: %[[A0:.+]] = tensor.extract %[[X2]][%{{.+}}, %[[K]]] : tensor<6x5xf32>
// CHECK: %[[A0V:.+]] = vector.broadcast %[[A0]] : f32 to vector<8xf32>
// CHECK: vector.fma %[[A0V]], %[[WROW]], %[[ACC0]] : vector<8xf32>
// CHECK-COUNT-3: vector.fma
// CHECK: scf.yield
// CHECK: %[[RELU0:.+]] = arith.maximumf %[[TILE]]#0, %[[ZEROS]] fastmath<nsz> : vector<8xf32>
// CHECK: vector.transfer_write %[[RELU0]], %{{.+}}[%{{.+}}, %{{.+}}] : vector<8xf32>, tensor<?x4xf32>
// The 2-row tail keeps two sets of accumulators (the even and the odd steps
// of k; the fifth step goes to the first set), summed before the write.
// CHECK: scf.for {{.+}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-2: vector.fma
// CHECK-COUNT-2: arith.addf
// CHECK: vector.transfer_write
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [2, 3, 4]
func.func @linear_bias_residual_relu(%x: tensor<2x3x5xf32>, %w: tensor<5x4xf32>, %bias: tensor<4xf32>, %residual: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = mbert.linear %x, %w bias(%bias) residual(%residual) {activation = #mbert.activation<relu>, kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>} : (tensor<2x3x5xf32>, tensor<5x4xf32>, tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// A packed weight [panels, K, nr, kr = 1], viewed as [panels, K, nr * kr], is
// read one contiguous panel row per step of k, in bounds; the panel loop is outside the row-tile loop. The
// residual times its scale seeds the accumulators, and without an activation
// they are written as they are.
// CHECK-LABEL: func.func @linear_packed_residual_scale
// CHECK-SAME: (%[[X:.+]]: tensor<4x3xf32>, %[[W4:.+]]: tensor<2x3x8x1xf32>, %[[R:.+]]: tensor<4x16xf32>, %[[S:.+]]: tensor<16xf32>)
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK: %[[BLOCKS:.+]] = mbert.pool_threads
// CHECK: %[[W:.+]] = tensor.collapse_shape %[[W4]] {{\[}}[0], [1], [2, 3]] : tensor<2x3x8x1xf32> into tensor<2x3x8xf32>
// CHECK: %[[W_BUFFER:.+]] = bufferization.to_buffer %[[W]] read_only : tensor<2x3x8xf32> to memref<2x3x8xf32>
// CHECK: %[[STARTS:.+]] = mbert.pool_block_starts : memref<1025xi32>
// The rows split into as many blocks as the pool running the model has
// threads (mbert.pool_threads), block b starting at whole tile
// tiles * s[b] / s[blocks] of the pool's table s (mbert.pool_block_starts;
// here tiles = 1) and the last ending at the last row; (block, panel) pairs own
// disjoint parts of the result, so the loop over them, block-major, is a
// parallel scf.forall, each iteration writing its [block rows, 8] slice.
// CHECK: %[[PAIRS:.+]] = arith.muli %[[BLOCKS]], %[[C2]] : index
// CHECK: %[[RESULT:.+]] = scf.forall (%[[PAIR:[^)]+]]) in (%[[PAIRS]]) shared_outs(%[[ALL:.+]] = %{{.+}}) -> (tensor<4x16xf32>)
// CHECK: %[[BLOCK:.+]] = arith.divui %[[PAIR]], %[[C2]] : index
// CHECK: %[[NEXT_BLOCK:.+]] = arith.addi %[[BLOCK]], %[[C1]] : index
// CHECK: %[[IS_LAST:.+]] = arith.cmpi eq, %[[NEXT_BLOCK]], %[[BLOCKS]] : index
// CHECK: %[[NEXT_ENTRY:.+]] = memref.load %[[STARTS]][%[[NEXT_BLOCK]]] : memref<1025xi32>
// CHECK: %[[NEXT_UNITS:.+]] = arith.index_castui %[[NEXT_ENTRY]] : i32 to index
// CHECK: %[[LAST_ENTRY:.+]] = memref.load %[[STARTS]][%[[BLOCKS]]] : memref<1025xi32>
// CHECK: %[[ALL_UNITS:.+]] = arith.index_castui %[[LAST_ENTRY]] : i32 to index
// CHECK: %[[NEXT_TILE:.+]] = arith.divui %[[NEXT_UNITS]], %[[ALL_UNITS]] : index
// CHECK: %[[NEXT_START:.+]] = arith.muli %[[NEXT_TILE]], %[[C4]] : index
// CHECK: %[[END:.+]] = arith.select %[[IS_LAST]], %[[C4]], %[[NEXT_START]] : index
// CHECK: %[[ENTRY:.+]] = memref.load %[[STARTS]][%[[BLOCK]]] : memref<1025xi32>
// CHECK: %[[UNITS:.+]] = arith.index_castui %[[ENTRY]] : i32 to index
// CHECK: %[[FIRST_TILE:.+]] = arith.divui %[[UNITS]], %[[ALL_UNITS]] : index
// CHECK: %[[FIRST:.+]] = arith.muli %[[FIRST_TILE]], %[[C4]] : index
// CHECK: %[[PANEL:.+]] = arith.remui %[[PAIR]], %[[C2]] : index
// CHECK: %[[COLUMN:.+]] = arith.muli %[[PANEL]], %[[C8]] : index
// CHECK: %[[HEIGHT:.+]] = arith.subi %[[END]], %[[FIRST]] : index
// CHECK: %[[OUT:.+]] = tensor.extract_slice %[[ALL]][%[[FIRST]], %[[COLUMN]]] [%[[HEIGHT]], 8] [1, 1] : tensor<4x16xf32> to tensor<?x8xf32>
// CHECK: %[[ROW_END:.+]] = arith.minui %[[END]], %[[C4]] : index
// CHECK: %[[ROWS_DONE:.+]] = scf.for %[[ROW:[^ ]+]] = %[[FIRST]] to %[[ROW_END]] step %[[C4]] iter_args(%{{.+}} = %[[OUT]]) -> (tensor<?x8xf32>)
// CHECK: %[[RROW:.+]] = vector.transfer_read %[[R]][%{{.+}}, %[[COLUMN]]], %{{.+}} {in_bounds = [true]} : tensor<4x16xf32>, vector<8xf32>
// CHECK: %[[SROW:.+]] = vector.transfer_read %[[S]][%[[COLUMN]]], %{{.+}} {in_bounds = [true]} : tensor<16xf32>, vector<8xf32>
// CHECK: %[[SEED:.+]] = arith.mulf %[[RROW]], %[[SROW]] : vector<8xf32>
// Each step of k asks for a row of the next panel (the last panel for
// itself) to be brought into L2 while this one is computed
// (@linear_prefetch_spread says which).
// CHECK: %[[TILE:.+]]:4 = scf.for %[[K:[^ ]+]] = {{.+}} iter_args(%{{.+}} = %[[SEED]],
// CHECK: %[[AFTER:.+]] = arith.addi %[[PANEL]], %[[C1]] : index
// CHECK: %[[NEXT:.+]] = arith.minui %[[AFTER]], %[[C1]] : index
// CHECK: memref.prefetch %[[W_BUFFER]][%[[NEXT]], %{{.+}}, %{{.+}}], read, locality<2>, data : memref<2x3x8xf32>
// CHECK: vector.transfer_read %[[W]][%[[PANEL]], %[[K]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<2x3x8xf32>, vector<8xf32>
// CHECK-COUNT-4: vector.fma
// CHECK-NOT: arith.maximumf
// Rows are written at their place in the block's slice.
// CHECK: %[[SLICE_ROW:.+]] = arith.subi %[[ROW]], %[[FIRST]] : index
// CHECK: %[[W0:.+]] = vector.transfer_write %[[TILE]]#0, %{{.+}}[%[[SLICE_ROW]], %{{.+}}] {in_bounds = [true]} : vector<8xf32>, tensor<?x8xf32>
// CHECK-COUNT-2: vector.transfer_write
// CHECK: %[[W3:.+]] = vector.transfer_write %[[TILE]]#3
// CHECK: scf.yield %[[W3]]
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[ROWS_DONE]] into %[[ALL]][%[[FIRST]], %[[COLUMN]]] [%[[HEIGHT]], 8] [1, 1] : tensor<?x8xf32> into tensor<4x16xf32>
// The loop states its partition of the rows (blocks of whole 4-row tiles of
// 4 rows), which mbert-form-parallel-regions reads.
// CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 4, tile_rows = 4>}
// CHECK: return %[[RESULT]]
func.func @linear_packed_residual_scale(%x: tensor<4x3xf32>, %w: tensor<2x3x8x1xf32>, %r: tensor<4x16xf32>, %s: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = mbert.linear %x, %w residual(%r) residual_scale(%s) {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>} : (tensor<4x3xf32>, tensor<2x3x8x1xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// A depth group of 32 f32 columns spans two 64-byte lines: each step asks
// for both (elements 0 and 16 of the next panel's group).
// CHECK-LABEL: func.func @linear_wide_panel_prefetch
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK: scf.for %[[K:[^ ]+]] =
// CHECK: memref.prefetch %{{.+}}[%[[NEXT:.+]], %[[GROUP:.+]], %[[C0]]], read, locality<2>, data : memref<2x3x32xf32>
// CHECK-NEXT: memref.prefetch %{{.+}}[%[[NEXT]], %[[GROUP]], %[[C16]]], read, locality<2>, data : memref<2x3x32xf32>
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
func.func @linear_wide_panel_prefetch(%x: tensor<2x3xf32>, %w: tensor<2x3x32x1xf32>) -> tensor<2x64xf32> {
  %0 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 2, nr = 32, kr = 1>} : (tensor<2x3xf32>, tensor<2x3x32x1xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// The requests are spread over each row block's tiles: of 4 tiles of 2 rows
// in B blocks, tile t = row / 2 asks at step k for group ((t * 3 + k) * B /
// 4) mod 3 of the next panel's 3. With one block, each group is asked for
// by one tile or two, not by all four; with B, by one or two tiles of each
// block, since every block's thread computes every panel.
// CHECK-LABEL: func.func @linear_prefetch_spread
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK: %[[BLOCKS:.+]] = mbert.pool_threads
// CHECK: scf.for %[[ROW:[^ ]+]] = %{{.+}} to %{{.+}} step %[[C2]]
// CHECK: scf.for %[[K:[^ ]+]] =
// CHECK: %[[TILE:.+]] = arith.divui %[[ROW]], %[[C2]] : index
// CHECK: %[[TILE_START:.+]] = arith.muli %[[TILE]], %[[C3]] : index
// CHECK: %[[POSITION:.+]] = arith.addi %[[TILE_START]], %[[K]] : index
// CHECK: %[[SCALED:.+]] = arith.muli %[[POSITION]], %[[BLOCKS]] : index
// CHECK: %[[SPREAD:.+]] = arith.divui %[[SCALED]], %[[C4]] : index
// CHECK: %[[GROUP:.+]] = arith.remui %[[SPREAD]], %[[C3]] : index
// CHECK: memref.prefetch %{{.+}}[%{{.+}}, %[[GROUP]], %{{.+}}], read, locality<2>, data : memref<2x3x8xf32>
func.func @linear_prefetch_spread(%x: tensor<8x3xf32>, %w: tensor<2x3x8x1xf32>) -> tensor<8x16xf32> {
  %0 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 2, nr = 8, kr = 1>} : (tensor<8x3xf32>, tensor<2x3x8x1xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// Rows that do not fill a tile (10 = 2 x 4 + 2) get a shorter tile in the same
// iteration of the panel loop as the whole tiles: one parallel loop, each
// panel of B read by every row of the result while it is in cache. The 2-row
// tile keeps mr / 2 = 2 sets of accumulators, one for the even and one for
// the odd steps of k (K = 8: 4 iterations of two steps), summed before the
// write: as many independent FMA chains as the 4-row tile.
// CHECK-LABEL: func.func @linear_tail_rows_in_panel_loop
// CHECK: scf.forall (%[[PAIR:[^)]+]]) in (%{{.+}}) shared_outs(%{{.+}}) -> (tensor<10x16xf32>)
// CHECK: %[[PANEL:.+]] = arith.remui %[[PAIR]], %{{.+}} : index
// CHECK: %[[WHOLE:.+]] = scf.for %{{.+}} -> (tensor<?x8xf32>)
// CHECK: scf.for %{{.+}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK-COUNT-4: vector.transfer_write
// CHECK: %[[SETS:.+]]:4 = scf.for %[[STEP:[^ ]+]] = {{.+}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: %[[EVEN:.+]] = arith.muli %[[STEP]], %{{.+}} : index
// CHECK: vector.transfer_read %{{.+}}[%[[PANEL]], %[[EVEN]], %{{.+}}]
// CHECK-COUNT-2: vector.fma
// CHECK: %[[ODD:.+]] = arith.addi %[[EVEN]], %{{.+}} : index
// CHECK: vector.transfer_read %{{.+}}[%[[PANEL]], %[[ODD]], %{{.+}}]
// CHECK-COUNT-2: vector.fma
// CHECK: %[[ROW8:.+]] = arith.addf %[[SETS]]#0, %[[SETS]]#2 : vector<8xf32>
// CHECK: %[[ROW9:.+]] = arith.addf %[[SETS]]#1, %[[SETS]]#3 : vector<8xf32>
// CHECK: %[[TAIL0:.+]] = vector.transfer_write %[[ROW8]], %{{.+}}
// CHECK: vector.transfer_write %[[ROW9]], %[[TAIL0]]
// CHECK: scf.forall.in_parallel
// CHECK-NOT: scf.forall
// CHECK: return
func.func @linear_tail_rows_in_panel_loop(%x: tensor<10x8xf32>, %w: tensor<2x8x8x1xf32>) -> tensor<10x16xf32> {
  %0 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>} : (tensor<10x8xf32>, tensor<2x8x8x1xf32>) -> tensor<10x16xf32>
  return %0 : tensor<10x16xf32>
}

// Without an epilogue the accumulators start at zero.
// CHECK-LABEL: func.func @linear_plain
// CHECK: %[[ZEROS:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK: scf.for {{.+}} iter_args(%{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]])
// CHECK-NOT: arith.maximumf
func.func @linear_plain(%x: tensor<8x5xf32>, %w: tensor<5x4xf32>) -> tensor<8x4xf32> {
  %0 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>} : (tensor<8x5xf32>, tensor<5x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @no_norm
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>, %[[GAMMA:.+]]: tensor<4xf32>, %[[BETA:.+]]: tensor<4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ID3]], #[[$CHANNEL]], #[[$CHANNEL]], #[[$ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[GAMMA]], %[[BETA]] : tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[XE:.+]]: f32, %[[GE:.+]]: f32, %[[BE:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[SCALED:.+]] = arith.mulf %[[XE]], %[[GE]] : f32
// CHECK: %[[SHIFTED:.+]] = arith.addf %[[SCALED]], %[[BE]] : f32
// CHECK: linalg.yield %[[SHIFTED]] : f32
func.func @no_norm(%x: tensor<2x3x4xf32>, %gamma: tensor<4xf32>, %beta: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = mbert.no_norm %x, %gamma, %beta : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// B = 2, Sq = 3, Sk = 4, H = 2, D = 4. Heads become a dimension of their own
// through expand_shape; the context is [B, Sq, H, D]. Attention runs per
// (batch, head) pair, 4 of them, in one parallel scf.forall: each pair owns
// its head's [Sq, D] slice of the context. K^T of the head is computed once,
// then per block of query rows (here one row: 3 rows do not split evenly
// into larger blocks). The pair's temporaries (K^T, scores, softmax steps)
// are created inside the loop: bufferization gives each iteration its own.
// Both products are GEMM kernels: scale * Q against K^T with the mask row as
// the seed, then the softmax's exponentials against V.
// CHECK-LABEL: func.func @attention_masked
// CHECK-SAME: (%[[Q:.+]]: tensor<2x3x8xf32>, %[[K:.+]]: tensor<2x4x8xf32>, %[[V:.+]]: tensor<2x4x8xf32>, %[[MASK:.+]]: tensor<2x1x1x4xf32>)
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[HEADS:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 2, 4] : tensor<2x3x8xf32> into tensor<2x3x2x4xf32>
// CHECK-DAG: %[[K4:.+]] = tensor.expand_shape %[[K]] {{\[}}[0], [1], [2, 3]] output_shape [2, 4, 2, 4] : tensor<2x4x8xf32> into tensor<2x4x2x4xf32>
// CHECK-DAG: %[[V4:.+]] = tensor.expand_shape %[[V]] {{\[}}[0], [1], [2, 3]] output_shape [2, 4, 2, 4] : tensor<2x4x8xf32> into tensor<2x4x2x4xf32>
// CHECK: %[[RESULT:.+]] = scf.forall (%[[PAIR:[^)]+]]) in (4) shared_outs(%[[ALL:.+]] = %{{.+}}) -> (tensor<2x3x2x4xf32>)
// CHECK-DAG: %[[B:.+]] = arith.divui %[[PAIR]], %[[HEADS]] : index
// CHECK-DAG: %[[H:.+]] = arith.remui %[[PAIR]], %[[HEADS]] : index
// CHECK: %[[MINE:.+]] = tensor.extract_slice %[[ALL]][%[[B]], 0, %[[H]], 0] [1, 3, 1, 4] [1, 1, 1, 1] : tensor<2x3x2x4xf32> to tensor<3x4xf32>
// CHECK: %[[KH:.+]] = tensor.extract_slice %[[K4]][%[[B]], 0, %[[H]], 0] [1, 4, 1, 4] [1, 1, 1, 1] : tensor<2x4x2x4xf32> to tensor<4x4xf32>
// CHECK: %[[KT_MINE:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[KT:.+]] = linalg.transpose ins(%[[KH]] : tensor<4x4xf32>) outs(%[[KT_MINE]] : tensor<4x4xf32>) permutation = [1, 0]
// CHECK: %[[WRITTEN:.+]] = scf.for %[[ROW:[^ ]+]] = {{.*}} iter_args(%[[ACC:.+]] = %[[MINE]])
// CHECK: %[[QB:.+]] = tensor.extract_slice %[[Q4]][%[[B]], %[[ROW]], %[[H]], 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<2x3x2x4xf32> to tensor<1x4xf32>
// CHECK: %[[QS:.+]] = linalg.generic {{.*}} ins(%[[QB]] : tensor<1x4xf32>)
// CHECK: arith.mulf %{{.+}}, %[[SCALE]] : f32
// CHECK: %[[VH:.+]] = tensor.extract_slice %[[V4]][%[[B]], 0, %[[H]], 0] [1, 4, 1, 4] [1, 1, 1, 1] : tensor<2x4x2x4xf32> to tensor<4x4xf32>
// CHECK: %[[MB:.+]] = tensor.extract_slice %[[MASK]][%[[B]], 0, 0, 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<2x1x1x4xf32> to tensor<1x4xf32>
// CHECK: %[[MROW:.+]] = vector.transfer_read %[[MB]]
// One query row is a 1-row tile of a 4-row kernel: it keeps 4 sets of
// accumulators, each over every fourth step of the head's depth (4 here, so
// one step each and no loop left), the first seeded by the mask row, summed
// before the write.
// CHECK: vector.transfer_read %[[KT]]
// CHECK: tensor.extract %[[QS]]
// CHECK: vector.fma %{{.+}}, %{{.+}}, %[[MROW]] : vector<8xf32>
// CHECK-COUNT-3: vector.fma
// CHECK-COUNT-3: arith.addf
// CHECK: %[[SCORES:.+]] = vector.transfer_write
// CHECK: linalg.generic {{.*}} ins(%[[SCORES]] : tensor<1x4xf32>)
// CHECK: arith.maximumf {{.+}} fastmath<nsz>
// CHECK: %[[EXPS:.+]] = linalg.generic
// CHECK: math.exp
// CHECK: arith.addf {{.+}} fastmath<reassoc>
// CHECK: %[[RECIPROCALS:.+]] = linalg.generic
// CHECK: arith.divf
// The softmax is not normalized in place: the weighted sum of values reads
// the exponentials, and each of its rows is multiplied by the row's
// 1 / sum before the write (D products instead of Sk).
// CHECK-NOT: linalg.generic
// CHECK: vector.transfer_read %[[VH]]
// CHECK: tensor.extract %[[EXPS]]
// CHECK-COUNT-4: vector.fma
// CHECK-COUNT-3: arith.addf
// CHECK: %[[RECIPROCAL:.+]] = tensor.extract %[[RECIPROCALS]]
// CHECK: %[[NORMALIZER:.+]] = vector.broadcast %[[RECIPROCAL]] : f32 to vector<8xf32>
// CHECK: %[[NORMALIZED:.+]] = arith.mulf %{{.+}}, %[[NORMALIZER]] : vector<8xf32>
// CHECK: %[[CTX:.+]] = vector.transfer_write %[[NORMALIZED]]
// CHECK: tensor.insert_slice %[[CTX]] into %[[ACC]][%[[ROW]], 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<3x4xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[WRITTEN]] into %[[ALL]][%[[B]], 0, %[[H]], 0] [1, 3, 1, 4] [1, 1, 1, 1] : tensor<3x4xf32> into tensor<2x3x2x4xf32>
// CHECK: %[[MERGED:.+]] = tensor.collapse_shape %[[RESULT]] {{\[}}[0], [1], [2, 3]] : tensor<2x3x2x4xf32> into tensor<2x3x8xf32>
// CHECK: return %[[MERGED]]
func.func @attention_masked(%q: tensor<2x3x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>, %mask: tensor<2x1x1x4xf32>) -> tensor<2x3x8xf32> {
  %0 = mbert.attention %q, %k, %v mask(%mask) {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>, num_heads = 2 : i64, scale = 0.5 : f32} : (tensor<2x3x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x1x1x4xf32>) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}

// A scale of 1 (folded into the query projection) costs nothing, and without
// a mask the score accumulators start at zero.
// CHECK-LABEL: func.func @attention_unit_scale_unmasked
// CHECK-NOT: arith.mulf
// CHECK: %[[ZEROS:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-NOT: arith.mulf
// CHECK: scf.for {{.+}} iter_args(%{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]], %{{.+}} = %[[ZEROS]]) -> (vector<8xf32>
func.func @attention_unit_scale_unmasked(%q: tensor<1x4x8xf32>, %kv: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %0 = mbert.attention %q, %kv, %kv {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>, num_heads = 4 : i64, scale = 1.0 : f32} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// Keys and head size multiples of 8 (S = 8, D = 8): K^T is moved in 8 x 8
// blocks, 8 row reads, three rounds of shuffles, 8 column writes, over all
// the keys (here one block, whose loops fold away).
// CHECK-LABEL: func.func @attention_blocked_key_transpose
// CHECK-NOT: linalg.transpose
// CHECK: %[[KH:.+]] = tensor.extract_slice %{{.+}} : tensor<1x8x2x8xf32> to tensor<8x8xf32>
// CHECK: %[[KT:.+]] = tensor.empty() : tensor<8x8xf32>
// CHECK: %[[ROW0:.+]] = vector.transfer_read %[[KH]][%[[C0:[^,]+]], %[[C0]]]
// CHECK-COUNT-7: vector.transfer_read %[[KH]]
// CHECK: vector.shuffle %[[ROW0]], %{{.+}} [0, 8, 1, 9, 4, 12, 5, 13]
// CHECK-COUNT-23: vector.shuffle
// CHECK: vector.transfer_write %{{.+}}, %[[KT]][%[[C0]], %[[C0]]] {in_bounds = [true]}
// CHECK-COUNT-7: vector.transfer_write
// CHECK-NOT: linalg.transpose
func.func @attention_blocked_key_transpose(%q: tensor<1x8x16xf32>) -> tensor<1x8x16xf32> {
  %0 = mbert.attention %q, %q, %q {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>, num_heads = 2 : i64, scale = 1.0 : f32} : (tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// The embedding gathers its trigram straight from the word table. With
// more than one sequence (as here) or a run-time length: a parallel loop
// over the sequences, each gathering its positions in turn; position s's
// part k (0, 1, 2: next, own, previous token) is row ids[b, s + 1 - k] of
// the table, read a vector at a time, zero outside the sequence, with the
// neighbour and the id clamped into range. A free collapse makes the
// [B, S, 3, E] result the [B*S, 3E] input of a linear. One more generic adds
// the position and the token-type rows: the linear's residual, which seeds
// its accumulator next to the bias. No Slice, Pad or Concat copies remain.
// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[IDS:.+]]: tensor<2x3xi64>, %[[TABLE:.+]]: tensor<5x2xf32>, %[[W:.+]]: tensor<6x4xf32>, %[[BIAS:.+]]: tensor<4xf32>, %[[POS:.+]]: tensor<3x4xf32>, %[[TYPES:.+]]: tensor<2x3xi32>, %[[TYPE_TABLE:.+]]: tensor<2x4xf32>)
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[LENGTH:.+]] = arith.constant 3 : index
// CHECK: %[[ROWS:.+]] = scf.forall (%[[B:.+]]) in (2) shared_outs(%[[ALL:.+]] = %{{.+}}) -> (tensor<2x3x3x2xf32>)
// CHECK: %[[SEQUENCE:.+]] = tensor.extract_slice %[[ALL]][%[[B]], 0, 0, 0] [1, 3, 3, 2] [1, 1, 1, 1] : tensor<2x3x3x2xf32> to tensor<3x3x2xf32>
// CHECK: scf.for %[[S:.+]] = %{{.+}} to %[[LENGTH]] step %[[ONE]] iter_args(%[[GATHERED:.+]] = %[[SEQUENCE]])
// CHECK: %[[ROW:.+]] = tensor.extract_slice %[[GATHERED]][%[[S]], 0, 0] [1, 3, 2] [1, 1, 1] : tensor<3x3x2xf32> to tensor<3x2xf32>
// The next token's part (k = 0); the own and previous ones follow alike.
// CHECK: %[[NEIGHBOUR:.+]] = arith.addi %[[S]], %[[ONE]] : index
// CHECK: %[[INSIDE:.+]] = arith.cmpi ult, %[[NEIGHBOUR]], %[[LENGTH]] : index
// CHECK: %[[LOW:.+]] = arith.maxsi %[[NEIGHBOUR]], %{{.+}} : index
// CHECK: %[[T:.+]] = arith.minsi %[[LOW]], %{{.+}} : index
// CHECK: %[[ID:.+]] = tensor.extract %[[IDS]][%[[B]], %[[T]]] : tensor<2x3xi64>
// CHECK: %[[INDEX:.+]] = arith.index_cast %[[ID]] : i64 to index
// CHECK: %[[ID_LOW:.+]] = arith.maxsi %[[INDEX]], %{{.+}} : index
// CHECK: %[[WORD:.+]] = arith.minsi %[[ID_LOW]], %{{.+}} : index
// CHECK: %[[VALUE:.+]] = vector.transfer_read %[[TABLE]][%[[WORD]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<5x2xf32>, vector<2xf32>
// CHECK: %[[PART:.+]] = arith.select %[[INSIDE]], %[[VALUE]], %{{.+}} : vector<2xf32>
// CHECK: vector.transfer_write %[[PART]], %[[ROW]][%{{.+}}, %{{.+}}] {in_bounds = [true]} : vector<2xf32>, tensor<3x2xf32>
// CHECK: tensor.insert_slice %{{.+}} into %[[GATHERED]][%[[S]], 0, 0] [1, 3, 2] [1, 1, 1] : tensor<3x2xf32> into tensor<3x3x2xf32>
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[ALL]][%[[B]], 0, 0, 0] [1, 3, 3, 2] [1, 1, 1, 1] : tensor<3x3x2xf32> into tensor<2x3x3x2xf32>
// CHECK: %[[TRIGRAM:.+]] = tensor.collapse_shape %[[ROWS]] {{\[}}[0, 1], [2, 3]] : tensor<2x3x3x2xf32> into tensor<6x6xf32>
// CHECK: %[[ADDENDS:.+]] = linalg.generic {{.+}} ins(%[[TYPES]], %[[POS]] : tensor<2x3xi32>, tensor<3x4xf32>) outs(%{{.+}} : tensor<2x3x4xf32>)
// CHECK: ^bb0(%[[TYPE:.+]]: i32, %[[POSITION:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[H:.+]] = linalg.index 2
// CHECK: %[[TYPE_INDEX:.+]] = arith.index_cast %[[TYPE]] : i32 to index
// CHECK: %[[TYPE_LOW:.+]] = arith.maxsi %[[TYPE_INDEX]], %{{.+}} : index
// CHECK: %[[TYPE_ROW:.+]] = arith.minsi %[[TYPE_LOW]], %{{.+}} : index
// CHECK: %[[TYPE_VALUE:.+]] = tensor.extract %[[TYPE_TABLE]][%[[TYPE_ROW]], %[[H]]] : tensor<2x4xf32>
// CHECK: %[[SUM:.+]] = arith.addf %[[TYPE_VALUE]], %[[POSITION]] : f32
// CHECK: linalg.yield %[[SUM]]
// CHECK: %[[SEED:.+]] = tensor.collapse_shape %[[ADDENDS]] {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// From here the linear's own lowering reads the trigram, the projection, the
// bias and the seed; its [B*S, H] result is expanded back to [B, S, H].
// CHECK-DAG: %[[TRIGRAM]]{{[^_[:alnum:]]}}
// CHECK-DAG: %[[W]]{{[^_[:alnum:]]}}
// CHECK-DAG: %[[BIAS]]{{[^_[:alnum:]]}}
// CHECK-DAG: %[[SEED]]{{[^_[:alnum:]]}}
// CHECK: %[[RESULT:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK: return %[[RESULT]]
func.func @embedding(%ids: tensor<2x3xi64>, %table: tensor<5x2xf32>, %w: tensor<6x4xf32>, %bias: tensor<4xf32>, %pos: tensor<3x4xf32>, %types: tensor<2x3xi32>, %type_table: tensor<2x4xf32>) -> tensor<2x3x4xf32> {
  %0 = mbert.embedding %ids, %table, %w bias(%bias) position(%pos) token_types(%types, %type_table) : (tensor<2x3xi64>, tensor<5x2xf32>, tensor<6x4xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<2x3xi32>, tensor<2x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// One sequence (B = 1) of a length known at compile time: the trigram
// and the seed (type row + position) are gathered in the blocks of rows
// that the projection splits its rows into, one per thread of the pool, in
// one loop that states the projection's partition, so that a parallel
// region runs both without a barrier. The kernel's mr = 2 makes 3 rows one
// tile of 2 and a tail: block k starts at row 2 * (k / T) and the last ends
// at row 3. Each row gathers its [3, E] trigram a vector of the table row at
// a time (next, own and previous token: each id looked up once, its row
// zeroed outside the sequence), looks its token type up once, and reads the
// position at its own row.
// CHECK-LABEL: func.func @embedding_one_sequence
// CHECK-SAME: (%[[IDS:.+]]: tensor<1x3xi64>, %[[TABLE:.+]]: tensor<5x2xf32>, %[[W:.+]]: tensor<6x4xf32>, %[[BIAS:.+]]: tensor<4xf32>, %[[POS:.+]]: tensor<3x4xf32>, %[[TYPES:.+]]: tensor<1x3xi32>, %[[TYPE_TABLE:.+]]: tensor<2x4xf32>)
// CHECK: %[[THREADS:.+]] = mbert.pool_threads
// CHECK: %[[GATHERED:.+]]:2 = scf.forall (%[[BLOCK:[^)]+]]) in (%[[THREADS]]) shared_outs(%[[ALL_ROWS:[^ ]+]] = %{{.+}}, %[[ALL_SEEDS:[^ ]+]] = %{{.+}}) -> (tensor<3x3x2xf32>, tensor<3x4xf32>)
// CHECK: %[[END:.+]] = arith.select %{{.+}}, %{{.+}}, %{{.+}} : index
// CHECK: %[[FIRST:.+]] = arith.muli %{{.+}}, %{{.+}} : index
// CHECK: %[[HEIGHT:.+]] = arith.subi %[[END]], %[[FIRST]] : index
// CHECK: %[[BLOCK_ROWS:.+]] = tensor.extract_slice %[[ALL_ROWS]][%[[FIRST]], 0, 0] [%[[HEIGHT]], 3, 2] [1, 1, 1] : tensor<3x3x2xf32> to tensor<?x3x2xf32>
// CHECK: %[[BLOCK_SEEDS:.+]] = tensor.extract_slice %[[ALL_SEEDS]][%[[FIRST]], 0] [%[[HEIGHT]], 4] [1, 1] : tensor<3x4xf32> to tensor<?x4xf32>
// CHECK: scf.for %[[ROW:[^ ]+]] = %[[FIRST]] to %[[END]] step %{{.+}} iter_args(%{{.+}} = %[[BLOCK_ROWS]], %{{.+}} = %[[BLOCK_SEEDS]])
// CHECK: %[[ROW_TRIGRAM:.+]] = tensor.extract_slice %{{.+}} [1, 3, 2] [1, 1, 1] : tensor<?x3x2xf32> to tensor<3x2xf32>
// CHECK: %[[NEXT:.+]] = arith.addi %[[ROW]], %{{.+}} : index
// CHECK: %[[NEXT_INSIDE:.+]] = arith.cmpi ult, %[[NEXT]], %{{.+}} : index
// CHECK: %[[NEXT_ID:.+]] = tensor.extract %[[IDS]][%{{.+}}, %{{.+}}] : tensor<1x3xi64>
// CHECK: %[[NEXT_INDEX:.+]] = arith.index_cast %[[NEXT_ID]] : i64 to index
// CHECK: %[[NEXT_LOW:.+]] = arith.maxsi %[[NEXT_INDEX]], %{{.+}} : index
// CHECK: %[[NEXT_WORD:.+]] = arith.minsi %[[NEXT_LOW]], %{{.+}} : index
// CHECK: %[[NEXT_VALUES:.+]] = vector.transfer_read %[[TABLE]][%[[NEXT_WORD]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<5x2xf32>, vector<2xf32>
// CHECK: %[[NEXT_KEPT:.+]] = arith.select %[[NEXT_INSIDE]], %[[NEXT_VALUES]], %{{.+}} : vector<2xf32>
// CHECK: %[[WITH_NEXT:.+]] = vector.transfer_write %[[NEXT_KEPT]], %[[ROW_TRIGRAM]][%{{.+}}, %{{.+}}] {in_bounds = [true]} : vector<2xf32>, tensor<3x2xf32>
// CHECK: %[[OWN_INSIDE:.+]] = arith.cmpi ult, %[[ROW]], %{{.+}} : index
// CHECK: %[[OWN_VALUES:.+]] = vector.transfer_read %[[TABLE]]
// CHECK: %[[OWN_KEPT:.+]] = arith.select %[[OWN_INSIDE]], %[[OWN_VALUES]], %{{.+}} : vector<2xf32>
// CHECK: %[[WITH_OWN:.+]] = vector.transfer_write %[[OWN_KEPT]], %[[WITH_NEXT]][%[[ONE:.+]], %{{.+}}]
// CHECK: %[[PREVIOUS:.+]] = arith.addi %[[ROW]], %c-1 : index
// CHECK: %[[PREVIOUS_INSIDE:.+]] = arith.cmpi ult, %[[PREVIOUS]], %{{.+}} : index
// CHECK: %[[PREVIOUS_VALUES:.+]] = vector.transfer_read %[[TABLE]]
// CHECK: %[[PREVIOUS_KEPT:.+]] = arith.select %[[PREVIOUS_INSIDE]], %[[PREVIOUS_VALUES]], %{{.+}} : vector<2xf32>
// CHECK: vector.transfer_write %[[PREVIOUS_KEPT]], %[[WITH_OWN]][%[[TWO:.+]], %{{.+}}]
// CHECK: %[[TYPE:.+]] = tensor.extract %[[TYPES]][%{{.+}}, %[[ROW]]] : tensor<1x3xi32>
// CHECK: %[[TYPE_INDEX:.+]] = arith.index_cast %[[TYPE]] : i32 to index
// CHECK: %[[TYPE_LOW:.+]] = arith.maxsi %[[TYPE_INDEX]], %{{.+}} : index
// CHECK: %[[TYPE_ROW:.+]] = arith.minsi %[[TYPE_LOW]], %{{.+}} : index
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<4xf32>)
// CHECK: %[[H:.+]] = linalg.index 0
// CHECK: %[[TYPE_VALUE:.+]] = tensor.extract %[[TYPE_TABLE]][%[[TYPE_ROW]], %[[H]]] : tensor<2x4xf32>
// CHECK: %[[POSITION:.+]] = tensor.extract %[[POS]][%[[ROW]], %[[H]]] : tensor<3x4xf32>
// CHECK: arith.addf %[[TYPE_VALUE]], %[[POSITION]] : f32
// CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 3, tile_rows = 2>}
// CHECK: %[[TRIGRAM:.+]] = tensor.collapse_shape %[[GATHERED]]#0 {{\[}}[0], [1, 2]] : tensor<3x3x2xf32> into tensor<3x6xf32>
// The projection: the same blocks and partition, reading both.
// CHECK: scf.forall (%{{[^)]+}}) in (%{{.+}}) shared_outs
// CHECK-DAG: %[[TRIGRAM]][
// CHECK-DAG: %[[GATHERED]]#1[
// CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 3, tile_rows = 2>}
func.func @embedding_one_sequence(%ids: tensor<1x3xi64>, %table: tensor<5x2xf32>, %w: tensor<6x4xf32>, %bias: tensor<4xf32>, %pos: tensor<3x4xf32>, %types: tensor<1x3xi32>, %type_table: tensor<2x4xf32>) -> tensor<1x3x4xf32> {
  %0 = mbert.embedding %ids, %table, %w bias(%bias) position(%pos) token_types(%types, %type_table) {kernel = #mbert.kernel<fma, f32 -> f32, mr = 2, nr = 4, kr = 1>} : (tensor<1x3xi64>, tensor<5x2xf32>, tensor<6x4xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<1x3xi32>, tensor<2x4xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// At B = 1 without token types the position already has the result's
// elements: it is the seed as it is, reshaped, with no generic of its own;
// the trigram is gathered in the projection's blocks of rows.
// CHECK-LABEL: func.func @embedding_position_only
// CHECK-SAME: %[[POS:[[:alnum:]]+]]: tensor<1x3x4xf32>)
// CHECK: %[[GATHERED:.+]] = scf.forall (%{{[^)]+}}) in (%{{.+}}) shared_outs(%{{.+}}) -> (tensor<3x3x2xf32>)
// CHECK-COUNT-3: vector.transfer_write {{.+}} : vector<2xf32>, tensor<3x2xf32>
// CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 3, tile_rows = 3>}
// CHECK: tensor.collapse_shape %[[GATHERED]] {{\[}}[0], [1, 2]] : tensor<3x3x2xf32> into tensor<3x6xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[SEED:.+]] = tensor.collapse_shape %[[POS]] {{\[}}[0, 1], [2]] : tensor<1x3x4xf32> into tensor<3x4xf32>
// CHECK: %[[SEED]]{{[^_[:alnum:]]}}
func.func @embedding_position_only(%ids: tensor<1x3xi64>, %table: tensor<5x2xf32>, %w: tensor<6x4xf32>, %pos: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %0 = mbert.embedding %ids, %table, %w position(%pos) : (tensor<1x3xi64>, tensor<5x2xf32>, tensor<6x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}
