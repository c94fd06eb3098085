// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg,canonicalize))" | FileCheck %s

// A linear with a run-time length computes rows [0, L) of its 10 allocated
// rows: whole 4-row tiles up to L - L mod 4, then at most one more tile that
// ends at row L (starting at max(L - 4, 0)), one iteration when rows remain
// and none otherwise. The same kernel body serves both loops, which run one
// after the other for each panel of columns (here the only one). The row
// blocks (one per pool thread) split the whole tiles of L where the pool's
// table s says (mbert.pool_block_starts: block b starts at tile
// tiles * s[b] / s[blocks]); the tail tile falls in the last block, which
// ends at the last allocated row.
// CHECK-LABEL: func.func @linear_run_time_rows
// CHECK-SAME: (%{{[^:]+}}: tensor<1x10x5xf32>, %{{[^:]+}}: tensor<5x8xf32>, %[[L:[^:]+]]: index)
// CHECK: %[[PARTIAL:.+]] = arith.remui %[[L]], %[[C4:[^ ]+]] : index
// CHECK: %[[WHOLE:.+]] = arith.subi %[[L]], %[[PARTIAL]] : index
// CHECK: %[[BACK:.+]] = arith.subi %[[L]], %[[C4]] : index
// CHECK: %[[TAIL_START:.+]] = arith.maxsi %[[BACK]], %{{.+}} : index
// CHECK: %[[REMAINS:.+]] = arith.cmpi ult, %[[WHOLE]], %[[L]] : index
// CHECK: %[[ONE_MORE:.+]] = arith.addi %[[TAIL_START]], %{{.+}} : index
// CHECK: %[[TAIL_END:.+]] = arith.select %[[REMAINS]], %[[ONE_MORE]], %[[TAIL_START]] : index
// CHECK: %[[SPLIT_TILES:.+]] = arith.divui %[[WHOLE]], %[[C4]] : index
// CHECK: %[[STARTS:.+]] = mbert.pool_block_starts : memref<1025xi32>
// CHECK: scf.forall (%[[BLOCK:[^)]+]]) in (%[[BLOCKS:[^)]+]])
// CHECK: %[[NEXT_BLOCK:.+]] = arith.addi %[[BLOCK]], %{{.+}} : index
// CHECK: %[[IS_LAST:.+]] = arith.cmpi eq, %[[NEXT_BLOCK]], %[[BLOCKS]] : index
// CHECK: %[[NEXT_ENTRY:.+]] = memref.load %[[STARTS]][%[[NEXT_BLOCK]]] : memref<1025xi32>
// CHECK: %[[NEXT_UNITS:.+]] = arith.index_castui %[[NEXT_ENTRY]] : i32 to index
// CHECK: %[[LAST_ENTRY:.+]] = memref.load %[[STARTS]][%[[BLOCKS]]] : memref<1025xi32>
// CHECK: %[[ALL_UNITS:.+]] = arith.index_castui %[[LAST_ENTRY]] : i32 to index
// CHECK: %[[NEXT_SHARE:.+]] = arith.muli %[[NEXT_UNITS]], %[[SPLIT_TILES]] : index
// CHECK: %[[NEXT_TILE:.+]] = arith.divui %[[NEXT_SHARE]], %[[ALL_UNITS]] : index
// CHECK: %[[NEXT_START:.+]] = arith.muli %[[NEXT_TILE]], %[[C4]] : index
// CHECK: %[[END:.+]] = arith.select %[[IS_LAST]], %{{.+}}, %[[NEXT_START]] : index
// CHECK: %[[ENTRY:.+]] = memref.load %[[STARTS]][%[[BLOCK]]] : memref<1025xi32>
// CHECK: %[[UNITS:.+]] = arith.index_castui %[[ENTRY]] : i32 to index
// CHECK: %[[SHARE:.+]] = arith.muli %[[UNITS]], %[[SPLIT_TILES]] : index
// CHECK: %[[TILE:.+]] = arith.divui %[[SHARE]], %[[ALL_UNITS]] : index
// CHECK: %[[FIRST:.+]] = arith.muli %[[TILE]], %[[C4]] : index
// CHECK: %[[WHOLE_END:.+]] = arith.minui %[[WHOLE]], %[[END]] : index
// CHECK: %[[TILES:.+]] = scf.for %{{.+}} = %[[FIRST]] to %[[WHOLE_END]] step %[[C4]]
// CHECK-COUNT-4: vector.transfer_write
// CHECK: %[[BLOCK_TAIL_START:.+]] = arith.maxui %[[TAIL_START]], %[[FIRST]] : index
// CHECK: %[[BLOCK_TAIL_END:.+]] = arith.minui %[[TAIL_END]], %[[END]] : index
// CHECK: scf.for %{{.+}} = %[[BLOCK_TAIL_START]] to %[[BLOCK_TAIL_END]] step %[[C4]] iter_args(%{{.+}} = %[[TILES]])
// CHECK-COUNT-4: vector.transfer_write
func.func @linear_run_time_rows(%x: tensor<1x10x5xf32>, %w: tensor<5x8xf32>, %length: index) -> tensor<1x10x8xf32> {
  %0 = mbert.linear %x, %w length(%length) {kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>} : (tensor<1x10x5xf32>, tensor<5x8xf32>, index) -> tensor<1x10x8xf32>
  return %0 : tensor<1x10x8xf32>
}

// Attention with a run-time length: each head transposes only the blocks of
// 8 keys that hold its first L keys into K^T, a block at a time (8 row
// reads, three rounds of 8 shuffles, 8 column writes; D = 8 is one block
// wide); the scores cover ceil(L / 8) panels of keys; the softmax
// reads and writes the first L columns of each score row; the weighted sum
// of values stops at depth L. Query blocks stop at L like a linear's rows.
// CHECK-LABEL: func.func @attention_run_time_length
// CHECK-SAME: (%{{[^:]+}}: tensor<1x8x16xf32>, %[[L:[^:]+]]: index)
// CHECK: %[[KEY_BLOCKS:.+]] = arith.ceildivui %[[L]], %[[C8:[^ ]+]] : index
// CHECK: %[[KEY_END:.+]] = arith.muli %[[KEY_BLOCKS]], %[[C8]] : index
// CHECK: scf.for %[[KEY:[^ ]+]] = %{{.+}} to %[[KEY_END]] step %[[C8]] iter_args(%[[KT:[^ ]+]] = %{{.+}}) -> (tensor<8x8xf32>)
// CHECK: %[[ROW0:.+]] = vector.transfer_read %[[KEYS:[a-z_0-9]+]][%[[KEY]], %{{.+}}]
// CHECK-COUNT-7: vector.transfer_read %[[KEYS]]
// CHECK: %[[MIXED:.+]] = vector.shuffle %[[ROW0]], %{{.+}} [0, 8, 1, 9, 4, 12, 5, 13]
// CHECK-COUNT-23: vector.shuffle
// CHECK: vector.transfer_write %{{.+}}, %[[KT]][%{{.+}}, %[[KEY]]] {in_bounds = [true]}
// CHECK-COUNT-7: vector.transfer_write
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[BLOCK:[^ ]+]]
// CHECK: %[[PANELS:.+]] = arith.ceildivui %[[L]], %{{.+}} : index
// CHECK: scf.forall (%{{.+}}) in (%[[PANELS]])
// CHECK: %[[SCORES:.+]] = tensor.extract_slice %{{.+}}[0, 0] [8, %[[L]]] [1, 1] : tensor<8x8xf32> to tensor<8x?xf32>
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[SCORES]] : tensor<8x?xf32>)
// CHECK: math.exp
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0] [8, %[[L]]] [1, 1] : tensor<8x?xf32> into tensor<8x8xf32>
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[L]] step %{{.+}} iter_args
// CHECK: arith.maxsi
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[BLOCK]]
func.func @attention_run_time_length(%q: tensor<1x8x16xf32>, %length: index) -> tensor<1x8x16xf32> {
  %0 = mbert.attention %q, %q, %q length(%length) {num_heads = 2 : i64, scale = 1.0 : f32, kernel = #mbert.kernel<fma, f32 -> f32, mr = 4, nr = 8, kr = 1>} : (tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>, index) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// An embedding with a run-time length gathers the trigrams of positions
// [0, L) only (the projection reads no later row): one sequence, so the
// loop over sequences folds away and the positions' loop ends at L. A part
// whose neighbour is at or after L is zero, as at the end of a sequence of
// length L.
// CHECK-LABEL: func.func @embedding_run_time_length
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<1x6xi64>, %{{[^:]+}}: tensor<5x2xf32>, %{{[^:]+}}: tensor<6x4xf32>, %[[L:[^:]+]]: index)
// CHECK-NOT: scf.forall
// CHECK: scf.for %[[S:.+]] = %{{.+}} to %[[L]] step
// CHECK: %[[NEIGHBOUR:.+]] = arith.addi %[[S]], %{{.+}} : index
// CHECK: arith.cmpi ult, %[[NEIGHBOUR]], %[[L]] : index
// CHECK: tensor.extract %[[IDS]][%{{.+}}, %{{.+}}] : tensor<1x6xi64>
func.func @embedding_run_time_length(%ids: tensor<1x6xi64>, %table: tensor<5x2xf32>, %w: tensor<6x4xf32>, %length: index) -> tensor<1x6x4xf32> {
  %0 = mbert.embedding %ids, %table, %w length(%length) : (tensor<1x6xi64>, tensor<5x2xf32>, tensor<6x4xf32>, index) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}
