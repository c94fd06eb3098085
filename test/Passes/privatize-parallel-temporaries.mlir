// RUN: mbert-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(mbert-privatize-parallel-temporaries)" | FileCheck %s

// Bufferization leaves a parallel loop's temporaries as allocations inside it
// (one per iteration at run time). Each becomes slot iv of one buffer before
// the loop, a slot per iteration rounded up to 64 bytes: a 3 x 5 f32
// temporary (60 bytes) takes 4 x 64 bytes for 4 iterations; one inside a
// sequential loop of the body keeps its iteration's slot for all its steps.
// CHECK-LABEL: func.func @m_run
// CHECK-SAME: (%[[IN:.+]]: memref<4x5xf32>, %[[OUT:.+]]: memref<4x5xf32>)
// CHECK-DAG: %[[SCORES:.+]] = memref.alloc() {alignment = 64 : i64} : memref<256xi8>
// CHECK-DAG: %[[ROWS:.+]] = memref.alloc() {alignment = 64 : i64} : memref<512xi8>
// CHECK: scf.forall (%[[I:.+]]) in (4) {
// CHECK-NOT: memref.alloc
// CHECK: %[[SLOT_BYTES:.+]] = arith.constant 64 : index
// CHECK: %[[OFFSET:.+]] = arith.muli %[[I]], %[[SLOT_BYTES]] : index
// CHECK: %[[MINE:.+]] = memref.view %[[SCORES]][%[[OFFSET]]][] : memref<256xi8> to memref<3x5xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[MINE]] : memref<3x5xf32>)
// CHECK: scf.for
// CHECK: %[[ROW_SLOT:.+]] = arith.constant 128 : index
// CHECK: %[[ROW_OFFSET:.+]] = arith.muli %[[I]], %[[ROW_SLOT]] : index
// CHECK: memref.view %[[ROWS]][%[[ROW_OFFSET]]][] : memref<512xi8> to memref<2x16xf32>

// Iteration iv of 2 to 10 in steps of 3 (3 iterations, 3 x 64 bytes) takes
// slot (iv - 2) / 3.
// CHECK: %[[STEPPED:.+]] = memref.alloc() {alignment = 64 : i64} : memref<192xi8>
// CHECK: scf.forall (%[[J:.+]]) = (2) to (10) step (3) {
// CHECK: %[[FROM_ZERO:.+]] = arith.subi %[[J]], %{{.+}} : index
// CHECK: %[[SLOT:.+]] = arith.divui %[[FROM_ZERO]], %{{.+}} : index
// CHECK: %[[AT:.+]] = arith.muli %[[SLOT]], %{{.+}} : index
// CHECK: memref.view %[[STEPPED]][%[[AT]]][] : memref<192xi8> to memref<4xf32>

// A loop nested in a parallel loop runs within one iteration of it: its
// temporaries take the outer loop's slot. A loop without temporaries and a
// top-level allocation are left alone.
// CHECK: %[[OUTER:.+]] = memref.alloc() {alignment = 64 : i64} : memref<128xi8>
// CHECK: scf.forall (%[[K:.+]]) in (2) {
// CHECK: scf.forall
// CHECK: memref.view %[[OUTER]]
// CHECK: scf.forall (%{{.+}}) in (4) {
// CHECK-NOT: memref.view
// CHECK: memref.alloc() : memref<8xf32>
module attributes {mbert.model_name = "m"} {
  func.func @m_run(%in: memref<4x5xf32>, %out: memref<4x5xf32>) {
    %zero = arith.constant 0.0 : f32
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    scf.forall (%i) in (4) {
      %scores = memref.alloc() {alignment = 64 : i64} : memref<3x5xf32>
      linalg.fill ins(%zero : f32) outs(%scores : memref<3x5xf32>)
      scf.for %step = %c0 to %c3 step %c1 {
        %rows = memref.alloc() {alignment = 64 : i64} : memref<2x16xf32>
        linalg.fill ins(%zero : f32) outs(%rows : memref<2x16xf32>)
      }
    }
    scf.forall (%j) = (2) to (10) step (3) {
      %ids = memref.alloc() : memref<4xf32>
      linalg.fill ins(%zero : f32) outs(%ids : memref<4xf32>)
    }
    scf.forall (%k) in (2) {
      scf.forall (%l) in (3) {
        %part = memref.alloc() : memref<5xf32>
        linalg.fill ins(%zero : f32) outs(%part : memref<5xf32>)
      }
    }
    scf.forall (%m) in (4) {
      memref.store %zero, %out[%m, %c0] : memref<4x5xf32>
    }
    %top = memref.alloc() : memref<8xf32>
    linalg.fill ins(%zero : f32) outs(%top : memref<8xf32>)
    return
  }
}

// -----

module attributes {mbert.model_name = "m"} {
  func.func @m_run(%n: index) {
    %zero = arith.constant 0.0 : f32
    // expected-error @+1 {{cannot privatize the temporaries of a parallel loop whose iteration count is known only at run time}}
    scf.forall (%i) in (%n) {
      %scores = memref.alloc() : memref<3xf32>
      linalg.fill ins(%zero : f32) outs(%scores : memref<3xf32>)
    }
    return
  }
}

// -----

module attributes {mbert.model_name = "m"} {
  func.func @m_run(%n: index) {
    %zero = arith.constant 0.0 : f32
    scf.forall (%i) in (2) {
      // expected-error @+1 {{cannot privatize a temporary that is not a static dense buffer: 'memref<?xf32>'}}
      %scores = memref.alloc(%n) : memref<?xf32>
      linalg.fill ins(%zero : f32) outs(%scores : memref<?xf32>)
    }
    return
  }
}
