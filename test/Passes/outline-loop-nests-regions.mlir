// RUN: mbert-opt %s --pass-pipeline="builtin.module(mbert-outline-loop-nests)" | FileCheck %s

// The loops of an mbert.parallel_region become kernels with an iteration
// range, like parallel loops of the entry block, and their calls stay in the
// region, in order, with the counts computed there. A region one of whose
// loops cannot take a range (this one captures a scalar) goes: its kernels
// are called in turn from the entry block, each over its whole range.

module attributes {mbert.model_name = "m", mbert.signature = {inputs = [], outputs = []}} {
  // CHECK-LABEL: func.func private @m_run_kernel0
  // CHECK-SAME: (%{{[^:]+}}: memref<8x4xf32>, %{{[^:]+}}: memref<8x4xf32>, %{{[^:]+}}: index, %{{[^:]+}}: index {{{.+}}<iteration_begin>}, %{{[^:]+}}: index {{{.+}}<iteration_end>})
  // CHECK-LABEL: func.func private @m_run_kernel1
  // CHECK-SAME: <iteration_end>
  // CHECK-LABEL: func.func private @m_run_kernel2
  // CHECK-SAME: (%{{[^:]+}}: f32, %{{[^:]+}}: memref<8x4xf32>, %{{[^:]+}}: index)
  // CHECK-NOT: iteration_begin
  // CHECK-LABEL: func.func private @m_run_kernel3
  // CHECK-SAME: <iteration_end>

  // CHECK-LABEL: func.func @m_run
  // CHECK-SAME: (%[[IN:[^:]+]]: memref<8x4xf32>, %[[OUT:[^:]+]]: memref<8x4xf32>, %[[THREADS:[^:]+]]: index)
  func.func @m_run(%in: memref<8x4xf32>, %out: memref<8x4xf32>, %threads: index) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %count = arith.muli %threads, %c2 : index
    %thread_count = arith.index_cast %threads : index to i64
    // CHECK: %[[COUNT:.+]] = arith.muli %[[THREADS]], %{{.+}} : index
    // CHECK: %[[THREAD_COUNT:.+]] = arith.index_cast %[[THREADS]] : index to i64
    // CHECK-NEXT: mbert.parallel_region threads(%[[THREAD_COUNT]]) {
    // CHECK: %[[COUNT0:.+]] = arith.ceildivsi
    // CHECK: call @m_run_kernel0(%[[IN]], %[[OUT]], %[[COUNT]], %{{.+}}, %[[COUNT0]])
    // CHECK: %[[COUNT1:.+]] = arith.ceildivsi
    // CHECK: call @m_run_kernel1(%[[OUT]], %[[IN]], %[[COUNT]], %{{.+}}, %[[COUNT1]])
    // CHECK-NEXT: }
    mbert.parallel_region threads(%thread_count) {
      scf.forall (%i) in (%count) {
        %x = memref.load %in[%i, %c0] : memref<8x4xf32>
        memref.store %x, %out[%i, %c0] : memref<8x4xf32>
      }
      scf.forall (%i) in (%count) {
        %x = memref.load %out[%i, %c0] : memref<8x4xf32>
        memref.store %x, %in[%i, %c0] : memref<8x4xf32>
      }
    }
    // CHECK: %[[SCALAR:.+]] = memref.load %[[IN]]
    // CHECK-NOT: mbert.parallel_region
    // CHECK: call @m_run_kernel2(%[[SCALAR]], %[[OUT]], %[[COUNT]]) : (f32, memref<8x4xf32>, index) -> ()
    // CHECK: call @m_run_kernel3(%[[IN]], %[[OUT]], %[[COUNT]], %{{.+}}, %{{.+}})
    // CHECK-NEXT: return
    %scalar = memref.load %in[%c0, %c0] : memref<8x4xf32>
    mbert.parallel_region threads(%thread_count) {
      scf.forall (%i) in (%count) {
        memref.store %scalar, %out[%i, %c0] : memref<8x4xf32>
      }
      scf.forall (%i) in (%count) {
        %x = memref.load %in[%i, %c0] : memref<8x4xf32>
        memref.store %x, %out[%i, %c0] : memref<8x4xf32>
      }
    }
    return
  }
}
