// RUN: mbert-opt %s --mbert-flatten-constant-globals | FileCheck %s

// A constant global of nested arrays (a weight of rank > 1) becomes one flat
// array whose initializer is a dense_resource over the attribute's bytes: the
// translation to LLVM IR then makes one constant, not one per innermost row.
// Its users take its address, unchanged.
// CHECK: llvm.mlir.global internal constant @weight(dense_resource<weight> : tensor<6xf32>) {addr_space = 0 : i32} : !llvm.array<6 x f32>
// CHECK: llvm.mlir.global internal constant @codes(dense_resource<codes> : tensor<8xi8>) {addr_space = 0 : i32} : !llvm.array<8 x i8>
// A splat stays a splat, reshaped.
// CHECK: llvm.mlir.global internal constant @zeros(dense<0.000000e+00> : tensor<12xf32>) {addr_space = 0 : i32} : !llvm.array<12 x f32>
// Flat arrays, mutable globals and bit-packed i1 values are left as they are.
// CHECK: llvm.mlir.global internal constant @bias(dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
// CHECK: llvm.mlir.global internal @state(dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x array<2 x f32>>
// CHECK: llvm.mlir.global internal constant @flags(dense<{{\[}}[true, false], [false, true]]> : tensor<2x2xi1>) {addr_space = 0 : i32} : !llvm.array<2 x array<2 x i1>>
// CHECK: llvm.func @read
// CHECK: llvm.mlir.addressof @weight : !llvm.ptr
// The bytes are the attribute's, row after row.
// CHECK: weight: "0x040000000000803F0000004000004040000080400000A0400000C040"
// CHECK: codes: "0x010000000102030405060708"
module {
  llvm.mlir.global internal constant @weight(dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>) : !llvm.array<2 x array<3 x f32>>
  llvm.mlir.global internal constant @codes(dense<[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]> : tensor<2x2x2xi8>) : !llvm.array<2 x array<2 x array<2 x i8>>>
  llvm.mlir.global internal constant @zeros(dense<0.0> : tensor<3x4xf32>) : !llvm.array<3 x array<4 x f32>>
  llvm.mlir.global internal constant @bias(dense<[1.0, 2.0]> : tensor<2xf32>) : !llvm.array<2 x f32>
  llvm.mlir.global internal @state(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>) : !llvm.array<2 x array<2 x f32>>
  llvm.mlir.global internal constant @flags(dense<[[true, false], [false, true]]> : tensor<2x2xi1>) : !llvm.array<2 x array<2 x i1>>
  llvm.func @read() -> f32 {
    %address = llvm.mlir.addressof @weight : !llvm.ptr
    %element = llvm.getelementptr %address[0, 1, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x array<3 x f32>>
    %value = llvm.load %element : !llvm.ptr -> f32
    llvm.return %value : f32
  }
}
