// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-outline-loop-nests)" | FileCheck %s

// Each top-level loop nest of the entry function becomes an internal,
// non-inlinable kernel. Dense buffers (arguments, workspace views) are passed;
// constants, globals and strided views are rebuilt inside the kernel.

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  memref.global "private" constant @bias : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

  // CHECK-LABEL: func.func private @m_run_kernel0
  // CHECK-SAME: (%[[IN:[^:]+]]: memref<2x4xf32>, %[[OUT:[^:]+]]: memref<2x4xf32>)
  // CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
  // CHECK-SAME: passthrough = ["noinline"]
  // CHECK-DAG: memref.get_global @bias
  // CHECK-DAG: arith.constant 0 : index
  // CHECK: scf.for
  // CHECK: return

  // CHECK-LABEL: func.func private @m_run_kernel1
  // CHECK-SAME: (%[[WS:[^:]+]]: memref<64xi8>, %[[OUT1:[^:]+]]: memref<2x4xf32>)
  // CHECK: memref.subview %[[OUT1]]
  // CHECK: scf.for

  // CHECK-LABEL: func.func @m_run
  func.func @m_run(%in: memref<2x4xf32>, %out: memref<2x4xf32>, %ws: memref<64xi8>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %bias = memref.get_global @bias : memref<4xf32>
    // CHECK: call @m_run_kernel0(%{{.*}}, %{{.*}}) : (memref<2x4xf32>, memref<2x4xf32>) -> ()
    scf.for %i = %c0 to %c2 step %c1 {
      scf.for %j = %c0 to %c4 step %c1 {
        %x = memref.load %in[%i, %j] : memref<2x4xf32>
        %b = memref.load %bias[%j] : memref<4xf32>
        %y = arith.addf %x, %b : f32
        memref.store %y, %out[%i, %j] : memref<2x4xf32>
      }
    }
    // A strided view is rebuilt inside; the dense buffers it views are passed.
    // CHECK: call @m_run_kernel1(%{{.*}}, %{{.*}}) : (memref<64xi8>, memref<2x4xf32>) -> ()
    %row = memref.subview %out[1, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<4xf32, strided<[1], offset: 4>>
    scf.for %j = %c0 to %c4 step %c1 {
      %byte = memref.load %ws[%j] : memref<64xi8>
      %f = arith.sitofp %byte : i8 to f32
      memref.store %f, %row[%j] : memref<4xf32, strided<[1], offset: 4>>
    }
    // CHECK-NOT: scf.for
    // CHECK: return
    return
  }
}
