// RUN: mbert-opt %s --mbert-approximate-exp | FileCheck %s

// exp becomes arithmetic: range reduction by ln 2, a polynomial, and the
// exponent written into the float's bits. The approximation's fused
// multiply-adds are contractible multiply-add pairs (no math.fma, which is a
// libm call on targets without FMA). Other math ops are left alone.
// CHECK-LABEL: func.func @softmax_exp
// CHECK-NOT: math.exp
// CHECK-NOT: math.fma
// CHECK: arith.mulf {{.+}} fastmath<contract> : vector<8xf32>
// CHECK: arith.addf {{.+}} fastmath<contract> : vector<8xf32>
// CHECK: arith.shli {{.+}} : vector<8xi32>
// CHECK: arith.bitcast {{.+}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: math.tanh
func.func @softmax_exp(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %x : vector<8xf32>
  %1 = math.tanh %0 : vector<8xf32>
  return %1 : vector<8xf32>
}

// Every math.fma becomes contractible, not only the approximation's: no
// lowering of the onnx or mbert dialects emits one, so nothing else changes.
// CHECK-LABEL: func.func @own_fma
// CHECK: %[[P:.+]] = arith.mulf %arg0, %arg1 fastmath<contract> : f32
// CHECK: arith.addf %[[P]], %arg2 fastmath<contract> : f32
func.func @own_fma(%a: f32, %b: f32, %c: f32) -> f32 {
  %0 = math.fma %a, %b, %c : f32
  return %0 : f32
}
