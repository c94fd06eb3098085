// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg,canonicalize))" | FileCheck %s
// RUN: mbert-opt %s --pass-pipeline="builtin.module(func.func(mbert-lower-to-linalg))" | FileCheck %s --check-prefix=NO-PARTITION

// The loops of an int8 linear with rows known at compile time state the
// same #mbert.row_partition: the row quantization's blocks are its GEMM's
// (whole tiles of mr = 4 rows, split between the threads), so a parallel
// region may run block b of both on one thread with no barrier between
// them. The partition holds for SMMLA's rows stored in pairs too: its tiles
// are even, so no pair straddles two blocks.
// NO-PARTITION-LABEL: func.func @sdot
// NO-PARTITION: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
// NO-PARTITION: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
// NO-PARTITION-LABEL: func.func @int8_word_table
// NO-PARTITION: row_partition
// NO-PARTITION-LABEL: func.func @smmla
// NO-PARTITION: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 8>}
// NO-PARTITION: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 8>}

// A linear with int8 weights first quantizes its input rows, in one
// iteration per block of its GEMM's rows, one block per thread of the pool:
// block b owns rows [start(b), start(b + 1)) of the bytes, scales and zero
// points, and makes two passes over them. The first, row by row, finds each
// row's range (16 floats at a time, widened to include 0): the scale is
// range / 255 and the zero point maps the minimum to -128. The second, row
// by row again, reads them back and writes the int8 row, K = 20 padded to 32
// (SDOT reads 16 bytes of a row at once; the padding meets zero weights).
// CHECK-LABEL: func.func @sdot
// CHECK-SAME: %[[BIAS:[^:]+]]: tensor<12xf32>) -> tensor<8x12xf32>
// CHECK: %[[BLOCKS:.+]] = mbert.pool_threads
// CHECK: %[[Q:.+]]:3 = scf.forall (%[[BLOCK:[^)]+]]) in (%[[BLOCKS]]) shared_outs(%[[BYTES:[^ ]+]] = %{{.+}}, %[[SCALES:[^ ]+]] = %{{.+}}, %[[ZEROS:[^ ]+]] = %{{.+}}) -> (tensor<8x32xi8>, tensor<8xf32>, tensor<8xi32>)
// CHECK: %[[END:.+]] = arith.select
// CHECK: %[[HEIGHT:.+]] = arith.subi %[[END]], %[[FIRST:[^ ]+]] : index
// CHECK: %[[BLOCK_BYTES:.+]] = tensor.extract_slice %[[BYTES]][%[[FIRST]], 0] [%[[HEIGHT]], 32] [1, 1] : tensor<8x32xi8> to tensor<?x32xi8>
// CHECK: %[[BLOCK_SCALES:.+]] = tensor.extract_slice %[[SCALES]][%[[FIRST]]] [%[[HEIGHT]]] [1] : tensor<8xf32> to tensor<?xf32>
// CHECK: %[[BLOCK_ZEROS:.+]] = tensor.extract_slice %[[ZEROS]][%[[FIRST]]] [%[[HEIGHT]]] [1] : tensor<8xi32> to tensor<?xi32>
// CHECK: %[[MEASURED:.+]]:2 = scf.for %[[ROW:[^ ]+]] = %[[FIRST]] to %[[END]] step %{{.+}} iter_args(%[[ROWS_SCALES:[^ ]+]] = %[[BLOCK_SCALES]], %[[ROWS_ZEROS:[^ ]+]] = %[[BLOCK_ZEROS]])
// CHECK: %[[LOCAL:.+]] = arith.subi %[[ROW]], %[[FIRST]] : index
// CHECK: %[[MY_SCALE:.+]] = tensor.extract_slice %[[ROWS_SCALES]][%[[LOCAL]]] [1] [1] : tensor<?xf32> to tensor<1xf32>
// CHECK: %[[MY_ZERO:.+]] = tensor.extract_slice %[[ROWS_ZEROS]][%[[LOCAL]]] [1] [1] : tensor<?xi32> to tensor<1xi32>
// CHECK: scf.for {{.+}} -> (vector<16xf32>, vector<16xf32>)
// CHECK: arith.minnumf
// CHECK: arith.maxnumf
// CHECK: %[[LOW:.+]] = vector.reduction <minnumf>
// CHECK: %[[HIGH:.+]] = vector.reduction <maxnumf>
// CHECK: arith.subf %[[HIGH]], %[[LOW]] : f32
// CHECK: %[[ROW_SCALE:.+]] = tensor.insert %{{.+}} into %[[MY_SCALE]][%{{.+}}] : tensor<1xf32>
// CHECK: %[[ROW_ZERO:.+]] = tensor.insert %{{.+}} into %[[MY_ZERO]][%{{.+}}] : tensor<1xi32>
// CHECK: tensor.insert_slice %[[ROW_SCALE]] into %[[ROWS_SCALES]][%[[LOCAL]]] [1] [1]
// CHECK: tensor.insert_slice %[[ROW_ZERO]] into %[[ROWS_ZEROS]][%[[LOCAL]]] [1] [1]
// CHECK: %[[CODED:.+]] = scf.for %[[ROW2:[^ ]+]] = %[[FIRST]] to %[[END]] step %{{.+}} iter_args(%[[ROWS_BYTES:[^ ]+]] = %[[BLOCK_BYTES]])
// CHECK: %[[LOCAL2:.+]] = arith.subi %[[ROW2]], %[[FIRST]] : index
// CHECK: %[[MY_BYTES:.+]] = tensor.extract_slice %[[ROWS_BYTES]][%[[LOCAL2]], 0] [1, 32] [1, 1] : tensor<?x32xi8> to tensor<32xi8>
// CHECK: tensor.extract %[[MEASURED]]#0
// CHECK: tensor.extract %[[MEASURED]]#1
// CHECK: %[[ROW_BYTES:.+]] = scf.for {{.+}} iter_args(%{{.+}} = %[[MY_BYTES]]) -> (tensor<32xi8>)
// CHECK: arith.mulf {{.+}} : vector<16xf32>
// CHECK: arith.addf {{.+}} : vector<16xf32>
// The clamp to the codes ignores NaN (a NaN becomes the lowest code), so
// that the conversion never meets one. lrint rounds (to nearest even), and the
// codes, clamped again as integers, narrow to bytes.
// CHECK: arith.maxnumf {{.+}} : vector<16xf32>
// CHECK: arith.minnumf {{.+}} : vector<16xf32>
// CHECK: %[[CODES:.+]] = llvm.intr.lrint({{.+}}) : (vector<16xf32>) -> vector<16xi32>
// CHECK: %[[AT_LEAST_LOW:.+]] = arith.maxsi %[[CODES]], %{{.+}} : vector<16xi32>
// CHECK: %[[IN_RANGE:.+]] = arith.minsi %[[AT_LEAST_LOW]], %{{.+}} : vector<16xi32>
// CHECK: arith.trunci %[[IN_RANGE]] : vector<16xi32> to vector<16xi8>
// CHECK: vector.transfer_write {{.+}} : vector<16xi8>, tensor<32xi8>
// CHECK: tensor.insert_slice %[[ROW_BYTES]] into %[[ROWS_BYTES]][%[[LOCAL2]], 0] [1, 32] [1, 1]
// Each block, independent of the others, writes its rows into the whole.
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[CODED]] into %[[BYTES]][%[[FIRST]], 0] [%[[HEIGHT]], 32] [1, 1]
// CHECK-NEXT: tensor.parallel_insert_slice %[[MEASURED]]#0 into %[[SCALES]][%[[FIRST]]] [%[[HEIGHT]]] [1]
// CHECK-NEXT: tensor.parallel_insert_slice %[[MEASURED]]#1 into %[[ZEROS]][%[[FIRST]]] [%[[HEIGHT]]] [1]
// CHECK: } {mbert.row_partition = #mbert.row_partition<rows = 8, tile_rows = 4>}
// The tile is 4 rows x 8 columns: per row two 4-lane int32 accumulators; each
// step of the reduction covers 16 of K (two steps for 32): one 16-byte load
// per row, and for each of the four depth groups two 16-byte blocks of the
// panel, each met by the row's group broadcast to all four lanes.
// CHECK-NOT: vector.transfer_read %[[BIAS]]
// CHECK: scf.for %[[STEP:[^ ]+]] = {{.+}} iter_args({{.+}}) -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>)
// The AArch64 kernels do not prefetch the next panel (yet: llvm-mca judges
// them, and there each PRFM takes a dispatch slot).
// CHECK-NOT: memref.prefetch
// CHECK: vector.transfer_read %[[Q]]#0{{.+}} : tensor<8x32xi8>, vector<16xi8>
// CHECK-COUNT-3: vector.transfer_read %[[Q]]#0
// CHECK: vector.shuffle {{.+}} [0, 0, 0, 0] : vector<4xi32>, vector<4xi32>
// CHECK-COUNT-8: arm_neon.intr.sdot
// CHECK: vector.shuffle {{.+}} [1, 1, 1, 1]
// CHECK-COUNT-24: arm_neon.intr.sdot
// CHECK-NOT: arm_neon.intr.sdot
// After the reduction: acc - zero_point * column_sums, to f32, times row
// scale * column scale, plus the bias (the seed), ReLU, one write per row.
// The bias is read only now (no register holds it over the reduction).
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-COUNT-4: vector.transfer_read %[[BIAS]]
// CHECK: vector.insert_strided_slice {{.+}} {offsets = [0], strides = [1]} : vector<4xi32> into vector<8xi32>
// CHECK: vector.insert_strided_slice {{.+}} {offsets = [4], strides = [1]} : vector<4xi32> into vector<8xi32>
// CHECK: arith.muli {{.+}} : vector<8xi32>
// CHECK: arith.subi {{.+}} : vector<8xi32>
// CHECK: arith.sitofp {{.+}} : vector<8xi32> to vector<8xf32>
// CHECK: vector.fma
// CHECK: arith.maximumf {{.+}} fastmath<nsz>
// CHECK: vector.transfer_write
func.func @sdot(%x: tensor<8x20xf32>, %w: tensor<2x8x8x4xi8>, %s: tensor<12xf32>, %n: tensor<12xi32>, %b: tensor<12xf32>) -> tensor<8x12xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) bias(%b) {activation = #mbert.activation<relu>, kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 8, kr = 4>} : (tensor<8x20xf32>, tensor<2x8x8x4xi8>, tensor<12xf32>, tensor<12xi32>, tensor<12xf32>) -> tensor<8x12xf32>
  return %0 : tensor<8x12xf32>
}

// PMADDWD (x86): per step two of K; the panel's 2 x nr bytes widen to int16,
// each row's pair of values is repeated in every int32 lane, and each half of
// the row is one PMADDWD of the target's width (here 4 lanes: SSE2).
// On x86 the row's range is built from `x < low ? x : low` (and `x > high`),
// which is MINPS (MAXPS) itself and ignores a NaN x as minnumf does; the 16
// lanes are then reduced by halves (16, 8, 4, 2) the same way. (K = 3 is one
// step of the range loop, which canonicalization removes: the bounds start
// at the zeros.)
// CHECK-LABEL: func.func @pmaddwd
// CHECK: %[[ZEROS:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[X:.+]] = vector.transfer_read
// CHECK: %[[BELOW:.+]] = arith.cmpf olt, %[[X]], %[[ZEROS]] : vector<16xf32>
// CHECK: %[[LOWS:.+]] = arith.select %[[BELOW]], %[[X]], %[[ZEROS]]
// CHECK: %[[ABOVE:.+]] = arith.cmpf ogt, %[[X]], %[[ZEROS]] : vector<16xf32>
// CHECK: arith.select %[[ABOVE]], %[[X]], %[[ZEROS]]
// CHECK-NOT: minnumf
// CHECK: vector.shuffle %[[LOWS]], %[[LOWS]] [8, 9, 10, 11, 12, 13, 14, 15]
// CHECK: arith.cmpf olt, {{.+}} : vector<8xf32>
// CHECK: arith.cmpf olt, {{.+}} : vector<4xf32>
// CHECK: arith.cmpf olt, {{.+}} : vector<2xf32>
// CHECK: arith.cmpf olt, {{.+}} : vector<1xf32>
// CHECK: arith.cmpf ogt, {{.+}} : vector<1xf32>
// CHECK-NOT: vector.reduction
// The x86 kernels prefetch a depth group of the next panel at every step
// (the one @linear_prefetch_spread in mbert-to-linalg.mlir computes).
// CHECK: scf.for %[[GROUP:[^ ]+]] = {{.+}} -> (vector<4xi32>, vector<4xi32>)
// CHECK: %[[SPREAD:.+]] = arith.remui %{{.+}}, %{{.+}} : index
// CHECK: memref.prefetch %{{.+}}[%{{.+}}, %[[SPREAD]], %{{.+}}], read, locality<2>, data : memref<1x2x16xi8>
// CHECK: arith.extsi {{.+}} : vector<8xi8> to vector<8xi16>
// CHECK: vector.transfer_read {{.+}} : tensor<1x4xi8>, vector<2xi8>
// CHECK: vector.broadcast {{.+}} : i32 to vector<4xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"({{.+}}) : (vector<8xi16>, vector<8xi16>) -> vector<4xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"
func.func @pmaddwd(%x: tensor<1x3xf32>, %w: tensor<1x2x8x2xi8>, %s: tensor<8xf32>, %n: tensor<8xi32>) -> tensor<1x8xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 8, kr = 2>} : (tensor<1x3xf32>, tensor<1x2x8x2xi8>, tensor<8xf32>, tensor<8xi32>) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// VPDPBUSD (AVX-VNNI at 256 bits here): the row is quantized to uint8 codes
// in [0, 255], as for PMADDUBSW, and each step is one instruction per half
// row: the row's four codes repeated in every int32 lane against the
// panel's 8 x 4 block, accumulated in int32 with no int16 step or ones.
// CHECK-LABEL: func.func @vpdpbusd
// CHECK-DAG: %[[CODES_MAX:.+]] = arith.constant dense<255> : vector<16xi32>
// CHECK-DAG: %[[CODES_MIN:.+]] = arith.constant dense<0> : vector<16xi32>
// CHECK: %[[CODES:.+]] = llvm.intr.lrint
// CHECK: %[[ABOVE_MIN:.+]] = arith.maxsi %[[CODES]], %[[CODES_MIN]]
// CHECK: arith.minsi %[[ABOVE_MIN]], %[[CODES_MAX]]
// CHECK: scf.for %[[GROUP:[^ ]+]] = {{.+}} iter_args(%[[LOW:.+]] = %{{.+}}, %[[HIGH:.+]] = %{{.+}}) -> (vector<8xi32>, vector<8xi32>)
// CHECK: memref.prefetch %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}], read, locality<2>, data : memref<1x2x64xi8>
// CHECK: %[[LOW_WEIGHTS:.+]] = vector.transfer_read %{{.+}}[%{{.+}}, %[[GROUP]], %{{.+}}], {{.+}} : tensor<1x2x64xi8>, vector<32xi8>
// CHECK: %[[HIGH_WEIGHTS:.+]] = vector.transfer_read %{{.+}}[%{{.+}}, %[[GROUP]], %{{.+}}], {{.+}} : tensor<1x2x64xi8>, vector<32xi8>
// CHECK: vector.transfer_read {{.+}} : tensor<1x8xi8>, vector<4xi8>
// CHECK: %[[REPEATED:.+]] = vector.broadcast {{.+}} : i32 to vector<8xi32>
// CHECK: %[[ACTIVATIONS:.+]] = vector.bitcast %[[REPEATED]] : vector<8xi32> to vector<32xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[LOW]], %[[ACTIVATIONS]], %[[LOW_WEIGHTS]]) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[HIGH]], %[[ACTIVATIONS]], %[[HIGH_WEIGHTS]])
// CHECK-NOT: pmadd
// CHECK: scf.yield
func.func @vpdpbusd(%x: tensor<1x5xf32>, %w: tensor<1x2x16x4xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<1x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 4, nr = 16, kr = 4>} : (tensor<1x5xf32>, tensor<1x2x16x4xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<1x16xf32>
  return %0 : tensor<1x16xf32>
}

// PMADDUBSW, the same step without VNNI: pairs of products into int16, then
// PMADDWD by ones into int32, then an add.
// CHECK-LABEL: func.func @pmaddubsw
// CHECK: %[[ONES:.+]] = arith.constant dense<1> : vector<16xi16>
// CHECK: scf.for
// CHECK: %[[PAIRS:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"({{.+}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK: %[[QUADS:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PAIRS]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: arith.addi %{{.+}}, %[[QUADS]] : vector<8xi32>
func.func @pmaddubsw(%x: tensor<1x5xf32>, %w: tensor<1x2x16x4xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<1x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<pmaddubsw, i8 -> i32, mr = 4, nr = 16, kr = 4>} : (tensor<1x5xf32>, tensor<1x2x16x4xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<1x16xf32>
  return %0 : tensor<1x16xf32>
}

// PMADDUBSW's pair form: the rows are quantized to 7-bit codes, [0, 127],
// K = 13 padded to 16, two steps of two depth groups each: per half row,
// PMADDUBSW on each group (the row's codes 8s to 8s + 3 and 8s + 4 to
// 8s + 7 against the panel's groups 2s and 2s + 1), their int16 sums
// added, one PMADDWD by ones, an add. The next panel is asked for at both
// groups the step reads.
// CHECK-LABEL: func.func @pmaddubsw_pair
// CHECK-DAG: %[[PAIR_CODES_MAX:.+]] = arith.constant dense<127> : vector<16xi32>
// CHECK-DAG: %[[PAIR_ONES:.+]] = arith.constant dense<1> : vector<16xi16>
// CHECK: %[[PAIR_CODES:.+]] = llvm.intr.lrint
// CHECK: %[[PAIR_ABOVE_MIN:.+]] = arith.maxsi %[[PAIR_CODES]], %{{.+}}
// CHECK: arith.minsi %[[PAIR_ABOVE_MIN]], %[[PAIR_CODES_MAX]]
// CHECK: } {mbert.row_partition
// CHECK: scf.for %[[STEP:[^ ]+]] = %{{.+}} to %[[TWO_STEPS:[^ ]+]] step {{.+}} -> (vector<8xi32>, vector<8xi32>)
// CHECK-COUNT-2: memref.prefetch %{{.+}} : memref<1x4x64xi8>
// CHECK: %[[FIRST_GROUP:.+]] = arith.muli %[[STEP]], %[[TWO:[^ ]+]] : index
// CHECK: %[[FIRST_LOW:.+]] = vector.transfer_read %{{.+}}[%{{.+}}, %[[FIRST_GROUP]], %{{.+}}], {{.+}} : tensor<1x4x64xi8>, vector<32xi8>
// CHECK: %[[SECOND_GROUP:.+]] = arith.addi %{{.+}}, %{{.+}} : index
// CHECK: %[[SECOND_LOW:.+]] = vector.transfer_read %{{.+}}[%{{.+}}, %[[SECOND_GROUP]], %{{.+}}], {{.+}} : tensor<1x4x64xi8>, vector<32xi8>
// CHECK: %[[DEPTH:.+]] = arith.muli %[[STEP]], %c8 : index
// CHECK: vector.transfer_read %{{.+}}[%{{.+}}, %[[DEPTH]]], {{.+}} : tensor<1x16xi8>, vector<4xi8>
// CHECK: %[[FIRST_CODES:.+]] = vector.bitcast %{{.+}} : vector<8xi32> to vector<32xi8>
// CHECK: %[[SECOND_DEPTH:.+]] = arith.addi %[[DEPTH]], %c4 : index
// CHECK: vector.transfer_read %{{.+}}[%{{.+}}, %[[SECOND_DEPTH]]], {{.+}} : tensor<1x16xi8>, vector<4xi8>
// CHECK: %[[SECOND_CODES:.+]] = vector.bitcast %{{.+}} : vector<8xi32> to vector<32xi8>
// CHECK: %[[FIRST_PAIRS:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[FIRST_CODES]], %[[FIRST_LOW]])
// CHECK: %[[SECOND_PAIRS:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[SECOND_CODES]], %[[SECOND_LOW]])
// CHECK: %[[BOTH:.+]] = arith.addi %[[FIRST_PAIRS]], %[[SECOND_PAIRS]] : vector<16xi16>
// CHECK: %[[EIGHTS:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[BOTH]], %[[PAIR_ONES]])
// CHECK: arith.addi %{{.+}}, %[[EIGHTS]] : vector<8xi32>
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: llvm.call_intrinsic
// CHECK: scf.yield
func.func @pmaddubsw_pair(%x: tensor<1x13xf32>, %w: tensor<1x4x16x4xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<1x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<pmaddubsw_pair, i8 -> i32, mr = 4, nr = 16, kr = 4>} : (tensor<1x13xf32>, tensor<1x4x16x4xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<1x16xf32>
  return %0 : tensor<1x16xf32>
}

// The portable kernel widens both int8 operands to int32 lanes.
// CHECK-LABEL: func.func @widening
// CHECK: arith.extsi {{.+}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.extsi {{.+}} : i8 to i32
// CHECK: arith.muli {{.+}} : vector<16xi32>
// CHECK: arith.addi {{.+}} : vector<16xi32>
func.func @widening(%x: tensor<2x3xf32>, %w: tensor<1x3x16x1xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<2x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<widening_mac, i8 -> i32, mr = 4, nr = 16, kr = 1>} : (tensor<2x3xf32>, tensor<1x3x16x1xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}


// Smoothing multiplies each input channel by its factor as the row is read,
// in both passes: for the range and for the int8 values.
// CHECK-LABEL: func.func @smoothed
// CHECK-SAME: %[[SMOOTHING:[[:alnum:]]+]]: tensor<16xf32>)
// CHECK: %[[RANGE_FACTORS:.+]] = vector.transfer_read %[[SMOOTHING]]
// CHECK: arith.mulf %{{.+}}, %[[RANGE_FACTORS]] : vector<16xf32>
// CHECK: arith.minnumf
// CHECK: %[[VALUE_FACTORS:.+]] = vector.transfer_read %[[SMOOTHING]]
// CHECK: arith.mulf %{{.+}}, %[[VALUE_FACTORS]] : vector<16xf32>
// CHECK: llvm.intr.lrint
func.func @smoothed(%x: tensor<2x16xf32>, %w: tensor<1x16x16x1xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>, %m: tensor<16xf32>) -> tensor<2x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) smoothing(%m) {kernel = #mbert.kernel<widening_mac, i8 -> i32, mr = 4, nr = 16, kr = 1>} : (tensor<2x16xf32>, tensor<1x16x16x1xi8>, tensor<16xf32>, tensor<16xi32>, tensor<16xf32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// An int8 word table is dequantized as the trigram gathers it: the int8
// values, as f32, times their row's scale (one sequence: a vector of the row
// at a time).
// CHECK-LABEL: func.func @int8_word_table
// CHECK-SAME: %[[TABLE:[[:alnum:]]+]]: tensor<5x2xi8>, %[[SCALE:[[:alnum:]]+]]: tensor<5xf32>
// CHECK: %[[ROW_SCALE:.+]] = tensor.extract %[[SCALE]][%[[ROW:.+]]] : tensor<5xf32>
// CHECK: %[[SCALES:.+]] = vector.broadcast %[[ROW_SCALE]] : f32 to vector<2xf32>
// CHECK: %[[VALUES:.+]] = vector.transfer_read %[[TABLE]][%[[ROW]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<5x2xi8>, vector<2xi8>
// CHECK: %[[WIDE:.+]] = arith.sitofp %[[VALUES]] : vector<2xi8> to vector<2xf32>
// CHECK: arith.mulf %[[WIDE]], %[[SCALES]] : vector<2xf32>
func.func @int8_word_table(%ids: tensor<1x3xi64>, %table: tensor<5x2xi8>, %scale: tensor<5xf32>, %w: tensor<6x4xf32>) -> tensor<1x3x4xf32> {
  %0 = mbert.embedding %ids, %table row_scale(%scale), %w : (tensor<1x3xi64>, tensor<5x2xi8>, tensor<5xf32>, tensor<6x4xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// SMMLA: 8 x 8 tiles of 2 x 2 blocks. The row quantization writes pairs of
// rows, [4 pairs, 2 x 32], each 8 bytes of row 2p followed by the same depth
// of row 2p + 1: built as [4 pairs, 4 blocks, 2 rows, 8]. A block of rows
// from row f (even) owns pairs [f / 2, f / 2 + ceil(height / 2)), and its
// row f + r the slice [r / 2, :, r % 2, :] of them; 16 values are two 8-byte
// blocks. Per 16 steps of K each
// pair is two 16-byte loads, its 2 x 8 blocks for depth 0-7 and 8-15, and
// each meets the 4 column pairs of the panel (16 bytes each): 4 pairs x 2
// halves x 4 = 32 SMMLA. Afterwards row 2p takes lanes 0-1 of its pair's
// blocks, row 2p + 1 lanes 2-3.
// CHECK-LABEL: func.func @smmla
// CHECK: scf.forall (%{{[^)]+}}) in (%{{[^)]+}}) shared_outs(%[[PAIRS:[^ ]+]] = %{{.+}}, %{{.+}}, %{{.+}}) -> (tensor<4x4x2x8xi8>, tensor<8xf32>, tensor<8xi32>)
// CHECK: %[[HEIGHT:.+]] = arith.subi %{{.+}}, %[[FIRST:[^ ]+]] : index
// CHECK: %[[FIRST_PAIR:.+]] = arith.divui %[[FIRST]], %[[TWO:[^ ]+]] : index
// CHECK: %[[PAIR_COUNT:.+]] = arith.ceildivui %[[HEIGHT]], %[[TWO]] : index
// CHECK: %[[BLOCK_PAIRS:.+]] = tensor.extract_slice %[[PAIRS]][%[[FIRST_PAIR]], 0, 0, 0] [%[[PAIR_COUNT]], 4, 2, 8] [1, 1, 1, 1] : tensor<4x4x2x8xi8> to tensor<?x4x2x8xi8>
// CHECK: scf.for %[[ROW:[^ ]+]] = %[[FIRST]] to %{{.+}} iter_args(%[[ROWS_PAIRS:[^ ]+]] = %[[BLOCK_PAIRS]])
// CHECK: %[[LOCAL:.+]] = arith.subi %[[ROW]], %[[FIRST]] : index
// CHECK: %[[PAIR:.+]] = arith.divui %[[LOCAL]], %[[TWO]] : index
// CHECK: %[[SECOND:.+]] = arith.remui %[[LOCAL]], %[[TWO]] : index
// CHECK: tensor.extract_slice %[[ROWS_PAIRS]][%[[PAIR]], 0, %[[SECOND]], 0] [1, 4, 1, 8] [1, 1, 1, 1] : tensor<?x4x2x8xi8> to tensor<4x8xi8>
// CHECK: vector.extract_strided_slice {{.+}} {offsets = [0], sizes = [8], strides = [1]} : vector<16xi8> to vector<8xi8>
// CHECK: vector.transfer_write {{.+}} {in_bounds = [true]} : vector<8xi8>, tensor<4x8xi8>
// CHECK: vector.extract_strided_slice {{.+}} {offsets = [8], sizes = [8], strides = [1]} : vector<16xi8> to vector<8xi8>
// CHECK: vector.transfer_write {{.+}} {in_bounds = [true]} : vector<8xi8>, tensor<4x8xi8>
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2, 3]] : tensor<4x4x2x8xi8> into tensor<4x64xi8>
// CHECK: scf.for {{.+}} -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>)
// CHECK: vector.transfer_read {{.+}} : tensor<4x64xi8>, vector<16xi8>
// CHECK-COUNT-32: arm_neon.intr.smmla
// CHECK-NOT: arm_neon.intr.smmla
// CHECK: vector.shuffle {{.+}} [0, 1] : vector<4xi32>, vector<4xi32>
// CHECK: vector.shuffle {{.+}} [2, 3] : vector<4xi32>, vector<4xi32>
func.func @smmla(%x: tensor<8x32xf32>, %w: tensor<1x4x8x8xi8>, %s: tensor<8xf32>, %n: tensor<8xi32>) -> tensor<8x8xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<smmla, i8 -> i32, mr = 8, nr = 8, kr = 8>} : (tensor<8x32xf32>, tensor<1x4x8x8xi8>, tensor<8xf32>, tensor<8xi32>) -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// K = 128, a whole number of steps of four vectors, and 512-bit registers
// (AVX-512's VPDPBUSD kernel, 16 int32 lanes per accumulator): the range
// pass reads four vectors per step, each into its own minimum and maximum,
// so that no compare waits for the one just before it; the four partial
// minima (and maxima) are combined after the loop, then reduced across
// lanes.
// CHECK-LABEL: func.func @range_chains
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK: scf.forall
// CHECK: scf.for %[[ROW:[^ ]+]] =
// CHECK: %[[RANGE:.+]]:8 = scf.for %[[K:[^ ]+]] = %{{.+}} to %{{.+}} step %[[C64]] iter_args(%[[LOW0:[^ ]+]] = %{{.+}}, %[[LOW1:[^ ]+]] = %{{.+}}, %[[LOW2:[^ ]+]] = %{{.+}}, %[[LOW3:[^ ]+]] = %{{.+}}, %[[HIGH0:[^ ]+]] = %{{.+}}, %[[HIGH1:[^ ]+]] = %{{.+}}, %[[HIGH2:[^ ]+]] = %{{.+}}, %[[HIGH3:[^ ]+]] = %{{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: %[[X0:.+]] = vector.transfer_read %{{.+}}[%[[ROW]], %[[K]]]
// CHECK: arith.cmpf olt, %[[X0]], %[[LOW0]]
// CHECK: arith.cmpf ogt, %[[X0]], %[[HIGH0]]
// CHECK: %[[X1:.+]] = vector.transfer_read %{{.+}}[%[[ROW]], %{{.+}}]
// CHECK: arith.cmpf olt, %[[X1]], %[[LOW1]]
// CHECK: arith.cmpf ogt, %[[X1]], %[[HIGH1]]
// CHECK: %[[X2:.+]] = vector.transfer_read %{{.+}}[%[[ROW]], %{{.+}}]
// CHECK: arith.cmpf olt, %[[X2]], %[[LOW2]]
// CHECK: arith.cmpf ogt, %[[X2]], %[[HIGH2]]
// CHECK: %[[X3:.+]] = vector.transfer_read %{{.+}}[%[[ROW]], %{{.+}}]
// CHECK: arith.cmpf olt, %[[X3]], %[[LOW3]]
// CHECK: arith.cmpf ogt, %[[X3]], %[[HIGH3]]
// CHECK: scf.yield
// CHECK: arith.cmpf olt, %[[RANGE]]#1, %[[RANGE]]#0
// CHECK: arith.cmpf ogt, %[[RANGE]]#5, %[[RANGE]]#4
// CHECK: arith.cmpf olt, %[[RANGE]]#2,
// CHECK: arith.cmpf ogt, %[[RANGE]]#6,
// CHECK: arith.cmpf olt, %[[RANGE]]#3,
// CHECK: arith.cmpf ogt, %[[RANGE]]#7,
// CHECK: vector.shuffle
func.func @range_chains(%x: tensor<2x128xf32>, %w: tensor<1x32x32x4xi8>, %s: tensor<32xf32>, %n: tensor<32xi32>) -> tensor<2x32xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 8, nr = 32, kr = 4>} : (tensor<2x128xf32>, tensor<1x32x32x4xi8>, tensor<32xf32>, tensor<32xi32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// With 256-bit registers (AVX2's PMADDUBSW kernel, 8 int32 lanes per
// accumulator) a 16-float vector takes two, and four chains of minima and
// maxima would hold all 16 of AVX2's: two. With 128-bit ones (NEON's SDOT)
// one, each vector being four registers.
// CHECK-LABEL: func.func @range_chains_256
// CHECK-DAG: %[[C32:.+]] = arith.constant 32 : index
// CHECK: %[[RANGE:.+]]:4 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C32]] iter_args(%{{[^ ]+}} = %{{.+}}, %{{[^ ]+}} = %{{.+}}, %{{[^ ]+}} = %{{.+}}, %{{[^ ]+}} = %{{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-LABEL: func.func @range_chains_128
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK: %[[RANGE:.+]]:2 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C16]] iter_args(%{{[^ ]+}} = %{{.+}}, %{{[^ ]+}} = %{{.+}}) -> (vector<16xf32>, vector<16xf32>)
func.func @range_chains_256(%x: tensor<2x128xf32>, %w: tensor<1x32x16x4xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<2x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<pmaddubsw, i8 -> i32, mr = 4, nr = 16, kr = 4>} : (tensor<2x128xf32>, tensor<1x32x16x4xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}
func.func @range_chains_128(%x: tensor<2x128xf32>, %w: tensor<1x32x16x4xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> tensor<2x16xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<sdot, i8 -> i32, mr = 8, nr = 16, kr = 4>} : (tensor<2x128xf32>, tensor<1x32x16x4xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// With a run-time length the GEMM's blocks are known only at run time: the
// row quantization is a loop over chunks of 8 of the valid rows, the last
// one shorter, each quantized in the same two passes as a block, and
// neither loop states a partition.
// CHECK-LABEL: func.func @run_time_rows
// CHECK-SAME: %[[LENGTH:[^:]+]]: index)
// CHECK: %[[CHUNKS:.+]] = arith.ceildivui %[[LENGTH]], %[[EIGHT:[^ ]+]] : index
// CHECK: scf.forall (%[[CHUNK:[^)]+]]) in (%[[CHUNKS]])
// CHECK: %[[FIRST:.+]] = arith.muli %[[CHUNK]], %[[EIGHT]] : index
// CHECK: %[[NEXT:.+]] = arith.addi %[[FIRST]], %[[EIGHT]] : index
// CHECK: %[[END:.+]] = arith.minui %[[NEXT]], %[[LENGTH]] : index
// CHECK: %[[HEIGHT:.+]] = arith.subi %[[END]], %[[FIRST]] : index
// CHECK: tensor.extract_slice %{{.+}}[%[[FIRST]], 0] [%[[HEIGHT]], 32] [1, 1] : tensor<8x32xi8> to tensor<?x32xi8>
// CHECK: scf.for %{{.+}} = %[[FIRST]] to %[[END]] {{.+}} -> (tensor<?xf32>, tensor<?xi32>)
// CHECK: scf.for %{{.+}} = %[[FIRST]] to %[[END]] {{.+}} -> (tensor<?x32xi8>)
// CHECK-NOT: row_partition
// CHECK: return
func.func @run_time_rows(%x: tensor<1x8x20xf32>, %w: tensor<2x8x8x4xi8>, %s: tensor<12xf32>, %n: tensor<12xi32>, %length: index) -> tensor<1x8x12xf32> {
  %0 = mbert.linear %x, %w scale(%s, %n) length(%length) {kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 8, kr = 4>} : (tensor<1x8x20xf32>, tensor<2x8x8x4xi8>, tensor<12xf32>, tensor<12xi32>, index) -> tensor<1x8x12xf32>
  return %0 : tensor<1x8x12xf32>
}
