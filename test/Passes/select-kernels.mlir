// The microkernel of every GEMM, per target: f32 tiles follow the vector
// registers (on AArch64, FMLA by element on an 8 x 8 tile); int8 runs on SMMLA where the CPU
// has FEAT_I8MM (Neoverse N2, Cortex-A710 and later), on SDOT where it has FEAT_DotProd
// (Cortex-A76 and later), on x86-64 on VPDPBUSD with AVX-512-VNNI (512 bits) or AVX-VNNI (256),
// else on PMADDUBSW with SSSE3, else PMADDWD; on the portable widening kernel elsewhere.
// PMADDUBSW multiplies weights up to 63 exactly (the quantization rounds for it); a weight beyond
// that, or one that is not a constant, gets PMADDWD. VPDPBUSD multiplies every int8 weight.
// int8-activation-bits=7 asks for PMADDUBSW's pair form (7-bit codes, two sums added in int16),
// even where VNNI is there; only x86 has a 7-bit kernel.
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels)" | FileCheck %s --check-prefix=ARMV8
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{cpu=cortex-a76})" | FileCheck %s --check-prefix=A76
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{features=+dotprod})" | FileCheck %s --check-prefix=A76
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{cpu=neoverse-n2})" | FileCheck %s --check-prefix=I8MM
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{cpu=cortex-a76 features=+i8mm})" | FileCheck %s --check-prefix=I8MM
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=x86-64})" | FileCheck %s --check-prefix=SSE2
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=znver3})" | FileCheck %s --check-prefix=AVX2
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=skylake-avx512})" | FileCheck %s --check-prefix=AVX512
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=znver4})" | FileCheck %s --check-prefix=AVX512-VNNI
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=x86-64-v4 features=+avx512vnni})" | FileCheck %s --check-prefix=AVX512-VNNI
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=alderlake})" | FileCheck %s --check-prefix=AVX-VNNI
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=znver3 features=+avxvnni})" | FileCheck %s --check-prefix=AVX-VNNI
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=znver3 int8-activation-bits=7})" | FileCheck %s --check-prefix=AVX2-7BIT
// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=znver4 int8-activation-bits=7})" | FileCheck %s --check-prefix=AVX512-VNNI-7BIT
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{cpu=cortex-a76 int8-activation-bits=7})" 2>&1 | FileCheck %s --check-prefix=ARM-7BIT
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=x86-64 int8-activation-bits=7})" 2>&1 | FileCheck %s --check-prefix=SSE2-7BIT
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=x86_64-linux-gnu cpu=znver3 int8-activation-bits=6})" 2>&1 | FileCheck %s --check-prefix=BAD-BITS
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{cpu=pentium4})" 2>&1 | FileCheck %s --check-prefix=BAD-CPU
// RUN: not mbert-opt %s --pass-pipeline="builtin.module(mbert-select-kernels{triple=z80-unknown-none})" 2>&1 | FileCheck %s --check-prefix=BAD-TRIPLE

// ARMV8: mbert.linear {{.+}} {kernel = #mbert.kernel<fma_lane, f32 -> f32, mr = 8, nr = 8, kr = 1>}
// ARMV8: mbert.linear {{.+}} {kernel = #mbert.kernel<widening_mac, i8 -> i32, mr = 4, nr = 16, kr = 1>}
// ARMV8: mbert.linear {{.+}} {kernel = #mbert.kernel<widening_mac, i8 -> i32, mr = 4, nr = 16, kr = 1>}
// ARMV8: mbert.linear {{.+}} {kernel = #mbert.kernel<widening_mac, i8 -> i32, mr = 4, nr = 16, kr = 1>}
// ARMV8: mbert.attention {{.+}} {kernel = #mbert.kernel<fma_lane, f32 -> f32, mr = 8, nr = 8, kr = 1>
// A76: kernel = #mbert.kernel<fma_lane, f32 -> f32, mr = 8, nr = 8, kr = 1>
// A76: kernel = #mbert.kernel<sdot, i8 -> i32, mr = 4, nr = 16, kr = 4>
// I8MM: kernel = #mbert.kernel<fma_lane, f32 -> f32, mr = 8, nr = 8, kr = 1>
// I8MM: kernel = #mbert.kernel<smmla, i8 -> i32, mr = 8, nr = 8, kr = 8>
// SSE2: kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 8, kr = 1>
// SSE2: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 8, kr = 2>
// SSE2: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 8, kr = 2>
// SSE2: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 8, kr = 2>
// AVX2: kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>
// AVX2: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 16, kr = 2>
// AVX2: kernel = #mbert.kernel<pmaddubsw, i8 -> i32, mr = 4, nr = 16, kr = 4>
// AVX2: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 16, kr = 2>
// AVX512: kernel = #mbert.kernel<fma, f32 -> f32, mr = 8, nr = 32, kr = 1>
// AVX512: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 8, nr = 32, kr = 2>
// AVX512: kernel = #mbert.kernel<pmaddubsw, i8 -> i32, mr = 8, nr = 32, kr = 4>
// AVX512: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 8, nr = 32, kr = 2>
// AVX512-VNNI: kernel = #mbert.kernel<fma, f32 -> f32, mr = 8, nr = 32, kr = 1>
// AVX512-VNNI: kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 8, nr = 32, kr = 4>
// AVX512-VNNI: kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 8, nr = 32, kr = 4>
// AVX512-VNNI: kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 8, nr = 32, kr = 4>
// AVX-VNNI: kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>
// AVX-VNNI: kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 4, nr = 16, kr = 4>
// AVX-VNNI: kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 4, nr = 16, kr = 4>
// AVX-VNNI: kernel = #mbert.kernel<vpdpbusd, i8 -> i32, mr = 4, nr = 16, kr = 4>
// AVX2-7BIT: kernel = #mbert.kernel<fma, f32 -> f32, mr = 6, nr = 16, kr = 1>
// AVX2-7BIT: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 16, kr = 2>
// AVX2-7BIT: kernel = #mbert.kernel<pmaddubsw_pair, i8 -> i32, mr = 4, nr = 16, kr = 4>
// AVX2-7BIT: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 4, nr = 16, kr = 2>
// AVX512-VNNI-7BIT: kernel = #mbert.kernel<fma, f32 -> f32, mr = 8, nr = 32, kr = 1>
// AVX512-VNNI-7BIT: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 8, nr = 32, kr = 2>
// AVX512-VNNI-7BIT: kernel = #mbert.kernel<pmaddubsw_pair, i8 -> i32, mr = 8, nr = 32, kr = 4>
// AVX512-VNNI-7BIT: kernel = #mbert.kernel<pmaddwd, i8 -> i32, mr = 8, nr = 32, kr = 2>
// ARM-7BIT: error: 7-bit int8 activations are an x86 kernel's (PMADDUBSW's pair form); aarch64-linux-gnu has none
// SSE2-7BIT: error: 7-bit int8 activations need PMADDUBSW (SSSE3), which 'x86-64' does not have
// BAD-BITS: error: int8 activations are 7 or 8 bits, got 6
// BAD-CPU: error: 'pentium4' is not a CPU of aarch64-linux-gnu
// BAD-TRIPLE: error: unknown target 'z80-unknown-none'
func.func @model(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %q: tensor<8x16xi8>, %s: tensor<16xf32>, %n: tensor<16xi32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<1x4x16xf32>) {
  %small = onnx.Constant dense<-63> : tensor<8x16xi8>
  %large = onnx.Constant dense<64> : tensor<8x16xi8>
  %0 = mbert.linear %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = mbert.linear %x, %q scale(%s, %n) : (tensor<4x8xf32>, tensor<8x16xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  %3 = mbert.linear %x, %small scale(%s, %n) : (tensor<4x8xf32>, tensor<8x16xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  %4 = mbert.linear %x, %large scale(%s, %n) : (tensor<4x8xf32>, tensor<8x16xi8>, tensor<16xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  %e = tensor.expand_shape %0 [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  %2 = mbert.attention %e, %e, %e {num_heads = 4 : i64, scale = 1.0 : f32} : (tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %0, %1, %3, %4, %2 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<1x4x16xf32>
}
