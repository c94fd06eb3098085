// RUN: mbert-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

func.func @linear_k_mismatch(%x: tensor<4x8xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{input's last dimension must equal weight's K = 16}}
  %0 = mbert.linear %x, %w : (tensor<4x8xf32>, tensor<16x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @linear_bias_size(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must be a static 1-D tensor of 4 elements}}
  %0 = mbert.linear %x, %w bias(%b) : (tensor<4x8xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @linear_residual_type(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %r: tensor<4x8xf32>) {
  // expected-error @+1 {{residual must have the result type}}
  %0 = mbert.linear %x, %w residual(%r) : (tensor<4x8xf32>, tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @linear_dynamic(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{operands and result must have static shapes}}
  %0 = mbert.linear %x, %w : (tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @no_norm_gamma(%x: tensor<4x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{gamma must be a static 1-D tensor of 8 elements}}
  %0 = mbert.no_norm %x, %g, %b : (tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @attention_heads(%q: tensor<1x8x128xf32>) {
  // expected-error @+1 {{channels (128) are not divisible by num_heads (3)}}
  %0 = mbert.attention %q, %q, %q {num_heads = 3 : i64, scale = 1.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<1x8x128xf32>, %m: tensor<1x1x1x7xf32>) {
  // expected-error @+1 {{does not broadcast to [B, H, Sq, Sk]}}
  %0 = mbert.attention %q, %q, %q mask(%m) {num_heads = 4 : i64, scale = 1.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x1x1x7xf32>) -> tensor<1x8x128xf32>
  return
}

// -----

func.func @attention_rank(%q: tensor<8x128xf32>) {
  // expected-error @+1 {{query, key and value must be static [B, S, H*D] tensors}}
  %0 = mbert.attention %q, %q, %q {num_heads = 4 : i64, scale = 1.0 : f32} : (tensor<8x128xf32>, tensor<8x128xf32>, tensor<8x128xf32>) -> tensor<8x128xf32>
  return
}

// -----

func.func @residual_scale_without_residual(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{residual_scale needs a residual}}
  %0 = mbert.linear %x, %w residual_scale(%s) : (tensor<4x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @embedding_projection_rows(%ids: tensor<1x8xi64>, %t: tensor<50x4xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{projection must be [3E, H] = [12, H], got 'tensor<8x16xf32>'}}
  %0 = mbert.embedding %ids, %t, %w : (tensor<1x8xi64>, tensor<50x4xf32>, tensor<8x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @embedding_result_shape(%ids: tensor<1x8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>) {
  // expected-error @+1 {{result must be [B, S, H] = [1, 8, 16], got 'tensor<8x16xf32>'}}
  %0 = mbert.embedding %ids, %t, %w : (tensor<1x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>) -> tensor<8x16xf32>
  return
}

// -----

func.func @embedding_ids_rank(%ids: tensor<8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>) {
  // expected-error @+1 {{input_ids must be [B, S], got rank 1}}
  %0 = mbert.embedding %ids, %t, %w : (tensor<8xi64>, tensor<50x4xf32>, tensor<12x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @embedding_position_length(%ids: tensor<1x8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>, %p: tensor<512x16xf32>) {
  // expected-error @+1 {{position must be [S, H] or [1, S, H] with S = 8, H = 16, got 'tensor<512x16xf32>'}}
  %0 = mbert.embedding %ids, %t, %w position(%p) : (tensor<1x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<512x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @embedding_type_table_width(%ids: tensor<1x8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>, %tt: tensor<1x8xi64>, %tab: tensor<2x4xf32>) {
  // expected-error @+1 {{type_table must be a non-empty static [T, H] table with H = 16}}
  %0 = mbert.embedding %ids, %t, %w token_types(%tt, %tab) : (tensor<1x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<1x8xi64>, tensor<2x4xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @embedding_type_ids_shape(%ids: tensor<1x8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>, %tt: tensor<1x7xi64>, %tab: tensor<2x16xf32>) {
  // expected-error @+1 {{token_type_ids must have the shape of input_ids}}
  %0 = mbert.embedding %ids, %t, %w token_types(%tt, %tab) : (tensor<1x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<1x7xi64>, tensor<2x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

// Only the generic form can spell token ids without their table.
func.func @embedding_type_ids_without_table(%ids: tensor<1x8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>, %tt: tensor<1x8xi64>) {
  // expected-error @+1 {{token_type_ids and type_table come together or not at all}}
  %0 = "mbert.embedding"(%ids, %t, %w, %tt) <{operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 1, 0, 0>}> : (tensor<1x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, tensor<1x8xi64>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @embedding_float_ids(%ids: tensor<1x8xf32>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>) {
  // expected-error @+1 {{operand #0 must be tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = mbert.embedding %ids, %t, %w : (tensor<1x8xf32>, tensor<50x4xf32>, tensor<12x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @packed_weight_shape(%x: tensor<4x8xf32>, %w: tensor<2x8x16x1xf32>) {
  // expected-error @+1 {{weight packed for #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1> must have shape [3, 8, 16, 1], got 'tensor<2x8x16x1xf32>'}}
  %0 = mbert.linear %x, %w {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>} : (tensor<4x8xf32>, tensor<2x8x16x1xf32>) -> tensor<4x40xf32>
  return
}

// -----

func.func @packed_weight_without_kernel(%x: tensor<4x8xf32>, %w: tensor<1x8x16x1xf32>) {
  // expected-error @+1 {{a packed (rank-4) weight needs the kernel that defines its layout}}
  %0 = mbert.linear %x, %w : (tensor<4x8xf32>, tensor<1x8x16x1xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<4x8xf32>, %w: tensor<8x16x1xf32>) {
  // expected-error @+1 {{weight must be 2-D [K, N] or packed, got rank 3}}
  %0 = mbert.linear %x, %w : (tensor<4x8xf32>, tensor<8x16x1xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @int8_weight_without_scale(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>) {
  // expected-error @+1 {{an int8 weight needs weight_scale and weight_sums}}
  %0 = mbert.linear %x, %w : (tensor<4x8xf32>, tensor<8x16xi8>) -> tensor<4x16xf32>
  return
}

// -----

func.func @scale_of_float_weight(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %s: tensor<16xf32>, %n: tensor<16xi32>) {
  // expected-error @+1 {{weight_scale and weight_sums belong to int8 weights}}
  %0 = mbert.linear %x, %w scale(%s, %n) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @scale_shape(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<8xf32>, %n: tensor<16xi32>) {
  // expected-error @+1 {{weight_scale must be a static 1-D tensor of 16 elements, got 'tensor<8xf32>'}}
  %0 = mbert.linear %x, %w scale(%s, %n) : (tensor<4x8xf32>, tensor<8x16xi8>, tensor<8xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @float_kernel_for_int8(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) {
  // expected-error @+1 {{kernel #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1> does not multiply 'i8' weights}}
  %0 = mbert.linear %x, %w scale(%s, %n) {kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>} : (tensor<4x8xf32>, tensor<8x16xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @sdot_depth_group(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{sdot consumes kr = 4 reduction steps per instruction, got 2}}
  "test.use"() {kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 16, kr = 2>} : () -> ()
  return
}

// -----

func.func @kernel_types(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{pmaddwd multiplies i8 into i32, got 'f32' -> 'f32'}}
  "test.use"() {kernel = #mbert.kernel<pmaddwd, f32 -> f32, mr = 4, nr = 16, kr = 2>} : () -> ()
  return
}

// -----

func.func @kernel_columns(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{sdot needs nr to be a multiple of 4, got 6}}
  "test.use"() {kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 6, kr = 4>} : () -> ()
  return
}

// -----

func.func @x86_kernel_columns(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{vpdpbusd needs nr = 8, 16 or 32 (two x86 registers of int32 lanes), got 24}}
  "test.use"() {kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 4, nr = 24, kr = 4>} : () -> ()
  return
}

// -----

func.func @int8_table_without_scale(%ids: tensor<1x8xi64>, %t: tensor<50x4xi8>, %w: tensor<12x16xf32>) {
  // expected-error @+1 {{an int8 word_table needs word_scale}}
  %0 = mbert.embedding %ids, %t, %w : (tensor<1x8xi64>, tensor<50x4xi8>, tensor<12x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @word_scale_shape(%ids: tensor<1x8xi64>, %t: tensor<50x4xi8>, %s: tensor<4xf32>, %w: tensor<12x16xf32>) {
  // expected-error @+1 {{word_scale must be a static 1-D tensor of 50 elements, got 'tensor<4xf32>'}}
  %0 = mbert.embedding %ids, %t row_scale(%s), %w : (tensor<1x8xi64>, tensor<50x4xi8>, tensor<4xf32>, tensor<12x16xf32>) -> tensor<1x8x16xf32>
  return
}

// -----

func.func @linear_length_of_a_batch(%x: tensor<2x3x5xf32>, %w: tensor<5x4xf32>, %n: index) {
  // expected-error @+1 {{a run-time length needs the rows to be one sequence ([1, S, K] or [S, K])}}
  %0 = mbert.linear %x, %w length(%n) : (tensor<2x3x5xf32>, tensor<5x4xf32>, index) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @attention_length_of_a_batch(%q: tensor<2x8x16xf32>, %n: index) {
  // expected-error @+1 {{a run-time length needs batch 1 and as many queries as keys}}
  %0 = mbert.attention %q, %q, %q length(%n) {num_heads = 2 : i64, scale = 1.0 : f32} : (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>, index) -> tensor<2x8x16xf32>
  return
}

// -----

func.func @embedding_length_of_a_batch(%ids: tensor<2x8xi64>, %t: tensor<50x4xf32>, %w: tensor<12x16xf32>, %n: index) {
  // expected-error @+1 {{a run-time length needs batch 1}}
  %0 = mbert.embedding %ids, %t, %w length(%n) : (tensor<2x8xi64>, tensor<50x4xf32>, tensor<12x16xf32>, index) -> tensor<2x8x16xf32>
  return
}

// -----

// expected-error @+1 {{row partition needs 1 <= tile_rows <= rows, got rows = 4, tile_rows = 8}}
func.func @row_partition_tile_too_tall() attributes {partition = #mbert.row_partition<rows = 4, tile_rows = 8>} {
  return
}

// -----

func.func @pool_block_starts_too_short() {
  // expected-error @+1 {{result must be 'memref<1025xi32>': an entry for each of the most blocks, and the end}}
  %0 = mbert.pool_block_starts : memref<3xi32>
  return
}
