// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-outline-loop-nests)" | FileCheck %s

// Each top-level loop nest of the entry function becomes an internal,
// non-inlinable kernel. Dense buffers (arguments, workspace views, weights in
// globals) are passed, so that kernels of the same shape are the same
// function; constants and strided views are rebuilt inside the kernel.

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  memref.global "private" constant @bias : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

  // CHECK-LABEL: func.func private @m_run_kernel0
  // CHECK-SAME: (%[[IN:[^:]+]]: memref<2x4xf32>, %[[BIAS:[^:]+]]: memref<4xf32>, %[[OUT:[^:]+]]: memref<2x4xf32>)
  // CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
  // CHECK-SAME: passthrough = ["noinline"]
  // CHECK-NOT: memref.get_global
  // CHECK-DAG: arith.constant 0 : index
  // CHECK: scf.for
  // CHECK: return

  // CHECK-LABEL: func.func private @m_run_kernel1
  // CHECK-SAME: (%[[WS:[^:]+]]: memref<64xi8>, %[[OUT1:[^:]+]]: memref<2x4xf32>)
  // CHECK: memref.subview %[[OUT1]]
  // CHECK: scf.for

  // A parallel loop (scf.forall) whose captures are all buffers takes a range
  // [begin, end) of its iterations (10 in steps of 4: 3 iterations), which it
  // runs in turn, and records the count; the call runs the whole range. A
  // sequential scf.for, or a parallel loop that captures a scalar, gives an
  // ordinary kernel.
  // CHECK-LABEL: func.func private @m_run_kernel2
  // CHECK-SAME: (%[[OUT2:[^:]+]]: memref<2x4xf32>, %[[BEGIN:[^:]+]]: index {mbert.kernel_argument = #mbert.kernel_argument<iteration_begin>}, %[[END:[^:]+]]: index {mbert.kernel_argument = #mbert.kernel_argument<iteration_end>})
  // CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
  // CHECK-DAG: %[[C10:.+]] = arith.constant 10 : index
  // CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
  // CHECK: %[[E4:.+]] = arith.muli %[[END]], %[[C4]] : index
  // CHECK: %[[EB:.+]] = arith.addi %[[C0]], %[[E4]] : index
  // CHECK: %[[UB:.+]] = arith.minsi %[[EB]], %[[C10]] : index
  // CHECK: %[[B4:.+]] = arith.muli %[[BEGIN]], %[[C4]] : index
  // CHECK: %[[LB:.+]] = arith.addi %[[C0]], %[[B4]] : index
  // CHECK: scf.for %{{.+}} = %[[LB]] to %[[UB]] step %[[C4]]

  // CHECK-LABEL: func.func private @m_run_kernel3
  // CHECK-SAME: (%{{[^:]+}}: f32, %{{[^:]+}}: memref<2x4xf32>)
  // CHECK-NOT: mbert.kernel_argument
  // CHECK: scf.forall

  // A bound known only at run time (an index argument, captured like a
  // buffer) still splits: the count is computed before the call.
  // CHECK-LABEL: func.func private @m_run_kernel4
  // CHECK-SAME: (%{{[^:]+}}: index, %{{[^:]+}}: memref<2x4xf32>, %{{[^:]+}}: index {{{.+}}<iteration_begin>}, %{{[^:]+}}: index {{{.+}}<iteration_end>})

  // CHECK-LABEL: func.func @m_run
  func.func @m_run(%in: memref<2x4xf32>, %out: memref<2x4xf32>, %ws: memref<64xi8>, %n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %bias = memref.get_global @bias : memref<4xf32>
    // CHECK: %[[GLOBAL:.+]] = memref.get_global @bias
    // CHECK: call @m_run_kernel0(%{{.*}}, %[[GLOBAL]], %{{.*}}) : (memref<2x4xf32>, memref<4xf32>, memref<2x4xf32>) -> ()
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
    // CHECK: %[[COUNT:.+]] = arith.constant 3 : index
    // CHECK: %[[FIRST:.+]] = arith.constant 0 : index
    // CHECK: call @m_run_kernel2(%{{.*}}, %[[FIRST]], %[[COUNT]]) : (memref<2x4xf32>, index, index) -> ()
    %c10 = arith.constant 10 : index
    %flat = memref.collapse_shape %out [[0, 1]] : memref<2x4xf32> into memref<8xf32>
    scf.forall (%j) = (%c0) to (%c10) step (%c4) {
      %cut = arith.minsi %j, %c4 : index
      %v = memref.load %flat[%cut] : memref<8xf32>
      memref.store %v, %flat[%cut] : memref<8xf32>
    }
    // CHECK: call @m_run_kernel3(%{{.*}}, %{{.*}}) : (f32, memref<2x4xf32>) -> ()
    %scalar = memref.load %in[%c0, %c0] : memref<2x4xf32>
    scf.forall (%j) in (4) {
      memref.store %scalar, %out[%c0, %j] : memref<2x4xf32>
    }
    // CHECK: %[[SPAN:.+]] = arith.subi %[[N:[^,]+]], %{{.+}} : index
    // CHECK: %[[NONNEGATIVE:.+]] = arith.maxsi %[[SPAN]], %{{.+}} : index
    // CHECK: %[[DYNAMIC_COUNT:.+]] = arith.ceildivsi %[[NONNEGATIVE]], %{{.+}} : index
    // CHECK: call @m_run_kernel4(%[[N]], %{{.*}}, %{{.+}}, %[[DYNAMIC_COUNT]]) : (index, memref<2x4xf32>, index, index) -> ()
    scf.forall (%j) = (%c0) to (%n) step (%c2) {
      %last = arith.subi %n, %c1 : index
      %v = memref.load %out[%c0, %last] : memref<2x4xf32>
      memref.store %v, %out[%c1, %c0] : memref<2x4xf32>
    }
    // CHECK-NOT: scf.for
    // CHECK: return
    return
  }
}
