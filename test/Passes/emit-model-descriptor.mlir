// RUN: mbert-opt %s -split-input-file -verify-diagnostics --pass-pipeline="builtin.module(mbert-emit-model-descriptor)" | FileCheck %s

module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 1, 8>, allowed_values = array<i64: 0, 100>}],
    outputs = [{name = "logits", dtype = 1 : i32, shape = array<i64: 1, 2>},
               {name = "score", dtype = 1 : i32, shape = array<i64>}]},
  mbert.workspace_size = 4096 : i64
} {
  llvm.func @m_run(%ids: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<input>}, %logits: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<output>},
                   %score: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<workspace>},
                   %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}

// The entry itself is unchanged.
// CHECK-LABEL: llvm.func @m_run(
// CHECK-SAME: %{{.+}}: !llvm.ptr {{{.+}}}, %{{.+}}: !llvm.ptr {{{.+}}}, %{{.+}}: !llvm.ptr {{{.+}}}, %{{.+}}: !llvm.ptr {{{.+}}}, %{{.+}}: !llvm.ptr {{{.+}}}) -> i32

// The packed entry loads one pointer per input and output from its first
// argument and passes the workspace and pool through; a model of fixed
// shapes does not read the sequence length.
// CHECK-LABEL: llvm.func @m_run_packed(
// CHECK-SAME: %[[BUFFERS:[^:]+]]: !llvm.ptr, %{{[^:]+}}: i64, %[[WS:[^:]+]]: !llvm.ptr, %[[POOL:[^:]+]]: !llvm.ptr) -> i32
// CHECK: %[[SLOT0:.+]] = llvm.getelementptr %[[BUFFERS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[IDS:.+]] = llvm.load %[[SLOT0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[SLOT1:.+]] = llvm.getelementptr %[[BUFFERS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[LOGITS:.+]] = llvm.load %[[SLOT1]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[SLOT2:.+]] = llvm.getelementptr %[[BUFFERS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[SCORE:.+]] = llvm.load %[[SLOT2]] : !llvm.ptr -> !llvm.ptr
// CHECK-NOT: llvm.getelementptr
// CHECK: %[[STATUS:.+]] = llvm.call @m_run(%[[IDS]], %[[LOGITS]], %[[SCORE]], %[[WS]], %[[POOL]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
// CHECK: llvm.return %[[STATUS]] : i32

// Names are NUL-terminated private strings and shapes private i64 arrays; a
// scalar has no shape array (its info holds a null pointer).
// CHECK: llvm.mlir.global private constant @m__inputs0_name("input_ids\00")
// CHECK: llvm.mlir.global private constant @m__inputs0_shape(dense<[1, 8]> : tensor<2xi64>) {{.*}}: !llvm.array<2 x i64>
// CHECK-LABEL: llvm.mlir.global private constant @m__inputs()
// CHECK-SAME: !llvm.array<1 x struct<(ptr, ptr, i32, i32, i32)>>
// CHECK-DAG: %[[I0_SHAPE:.+]] = llvm.mlir.addressof @m__inputs0_shape
// CHECK-DAG: %[[I0_NAME:.+]] = llvm.mlir.addressof @m__inputs0_name
// CHECK: %[[I0_A:.+]] = llvm.insertvalue %[[I0_NAME]], %{{.+}}[0]
// CHECK: %[[I0_B:.+]] = llvm.insertvalue %[[I0_SHAPE]], %[[I0_A]][1]
// CHECK: %[[I0_DTYPE:.+]] = llvm.mlir.constant(7 : i32) : i32
// CHECK: %[[I0_C:.+]] = llvm.insertvalue %[[I0_DTYPE]], %[[I0_B]][2]
// CHECK: %[[I0_RANK:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: %[[I0_D:.+]] = llvm.insertvalue %[[I0_RANK]], %[[I0_C]][3]
// CHECK: %[[I0_AXIS:.+]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK: %[[I0:.+]] = llvm.insertvalue %[[I0_AXIS]], %[[I0_D]][4]
// CHECK: %[[INPUTS:.+]] = llvm.insertvalue %[[I0]], %{{.+}}[0] : !llvm.array<1 x struct<(ptr, ptr, i32, i32, i32)>>
// CHECK: llvm.return %[[INPUTS]] : !llvm.array<1 x struct<(ptr, ptr, i32, i32, i32)>>

// CHECK: llvm.mlir.global private constant @m__outputs0_name("logits\00")
// CHECK: llvm.mlir.global private constant @m__outputs0_shape(dense<[1, 2]> : tensor<2xi64>)
// CHECK: llvm.mlir.global private constant @m__outputs1_name("score\00")
// CHECK-NOT: @m__outputs1_shape
// CHECK-LABEL: llvm.mlir.global private constant @m__outputs()
// CHECK-SAME: !llvm.array<2 x struct<(ptr, ptr, i32, i32, i32)>>
// CHECK-DAG: %[[O0_SHAPE:.+]] = llvm.mlir.addressof @m__outputs0_shape
// CHECK-DAG: %[[O0_NAME:.+]] = llvm.mlir.addressof @m__outputs0_name
// CHECK: %[[O0_A:.+]] = llvm.insertvalue %[[O0_NAME]], %{{.+}}[0]
// CHECK: %[[O0_B:.+]] = llvm.insertvalue %[[O0_SHAPE]], %[[O0_A]][1]
// CHECK: %[[O0_DTYPE:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[O0_C:.+]] = llvm.insertvalue %[[O0_DTYPE]], %[[O0_B]][2]
// CHECK: %[[O0_RANK:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: %[[O0_D:.+]] = llvm.insertvalue %[[O0_RANK]], %[[O0_C]][3]
// CHECK: %[[O0_AXIS:.+]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK: %[[O0:.+]] = llvm.insertvalue %[[O0_AXIS]], %[[O0_D]][4]
// CHECK: %[[OUTPUTS0:.+]] = llvm.insertvalue %[[O0]], %{{.+}}[0] : !llvm.array<2 x struct<(ptr, ptr, i32, i32, i32)>>
// CHECK-DAG: %[[O1_SHAPE:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK-DAG: %[[O1_NAME:.+]] = llvm.mlir.addressof @m__outputs1_name
// CHECK: %[[O1_A:.+]] = llvm.insertvalue %[[O1_NAME]], %{{.+}}[0]
// CHECK: %[[O1_B:.+]] = llvm.insertvalue %[[O1_SHAPE]], %[[O1_A]][1]
// CHECK: %[[O1_DTYPE:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[O1_C:.+]] = llvm.insertvalue %[[O1_DTYPE]], %[[O1_B]][2]
// CHECK: %[[O1_RANK:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[O1_D:.+]] = llvm.insertvalue %[[O1_RANK]], %[[O1_C]][3]
// CHECK: %[[O1_AXIS:.+]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK: %[[O1:.+]] = llvm.insertvalue %[[O1_AXIS]], %[[O1_D]][4]
// CHECK: %[[OUTPUTS:.+]] = llvm.insertvalue %[[O1]], %[[OUTPUTS0]][1] : !llvm.array<2 x struct<(ptr, ptr, i32, i32, i32)>>
// CHECK: llvm.return %[[OUTPUTS]] : !llvm.array<2 x struct<(ptr, ptr, i32, i32, i32)>>

// mbert_model_t: name, inputs, outputs, 1 input, 2 outputs, workspace 4096
// bytes aligned to 64, the packed entry, and 0: no run-time sequence length.
// CHECK: llvm.mlir.global private constant @m__name("m\00")
// CHECK-LABEL: llvm.mlir.global external constant @m_model()
// CHECK-SAME: !llvm.struct<(ptr, ptr, ptr, i32, i32, i64, i64, ptr, i64)>
// CHECK-DAG: %[[NAME:.+]] = llvm.mlir.addressof @m__name : !llvm.ptr
// CHECK-DAG: %[[INPUTS:.+]] = llvm.mlir.addressof @m__inputs : !llvm.ptr
// CHECK-DAG: %[[OUTPUTS:.+]] = llvm.mlir.addressof @m__outputs : !llvm.ptr
// CHECK-DAG: %[[NUM_IN:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-DAG: %[[NUM_OUT:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-DAG: %[[WS_SIZE:.+]] = llvm.mlir.constant(4096 : i64) : i64
// CHECK-DAG: %[[ALIGN:.+]] = llvm.mlir.constant(64 : i64) : i64
// CHECK-DAG: %[[PACKED:.+]] = llvm.mlir.addressof @m_run_packed : !llvm.ptr
// CHECK-DAG: %[[MAX_LENGTH:.+]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[M0:.+]] = llvm.mlir.undef : !llvm.struct<(ptr, ptr, ptr, i32, i32, i64, i64, ptr, i64)>
// CHECK: %[[M1:.+]] = llvm.insertvalue %[[NAME]], %[[M0]][0]
// CHECK: %[[M2:.+]] = llvm.insertvalue %[[INPUTS]], %[[M1]][1]
// CHECK: %[[M3:.+]] = llvm.insertvalue %[[OUTPUTS]], %[[M2]][2]
// CHECK: %[[M4:.+]] = llvm.insertvalue %[[NUM_IN]], %[[M3]][3]
// CHECK: %[[M5:.+]] = llvm.insertvalue %[[NUM_OUT]], %[[M4]][4]
// CHECK: %[[M6:.+]] = llvm.insertvalue %[[WS_SIZE]], %[[M5]][5]
// CHECK: %[[M7:.+]] = llvm.insertvalue %[[ALIGN]], %[[M6]][6]
// CHECK: %[[M8:.+]] = llvm.insertvalue %[[PACKED]], %[[M7]][7]
// CHECK: %[[M9:.+]] = llvm.insertvalue %[[MAX_LENGTH]], %[[M8]][8]
// CHECK: llvm.return %[[M9]] : !llvm.struct<(ptr, ptr, ptr, i32, i32, i64, i64, ptr, i64)>

// -----

// A run-time sequence length: the packed entry passes its length argument
// where the entry point's layout has it (after the inputs), the tensor infos
// name the sequence axis, and the descriptor the largest length.
module attributes {
  mbert.model_name = "m",
  mbert.max_sequence_length = 8 : i64,
  mbert.signature = {
    inputs = [{name = "input_ids", dtype = 7 : i32, shape = array<i64: 1, 8>, sequence_axis = 1 : i64}],
    outputs = [{name = "logits", dtype = 1 : i32, shape = array<i64: 1, 8>, sequence_axis = 1 : i64}]},
  mbert.workspace_size = 64 : i64
} {
  llvm.func @m_run(%ids: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<input>}, %length: i64 {mbert.entry_argument = #mbert.entry_argument<sequence_length>},
                   %logits: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<output>}, %ws: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<workspace>},
                   %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}

// CHECK-LABEL: llvm.func @m_run_packed(
// CHECK-SAME: %[[BUFFERS:[^:]+]]: !llvm.ptr, %[[LENGTH:[^:]+]]: i64, %[[WS:[^:]+]]: !llvm.ptr, %[[POOL:[^:]+]]: !llvm.ptr) -> i32
// CHECK: %[[IDS:.+]] = llvm.load
// CHECK: %[[LOGITS:.+]] = llvm.load
// CHECK: llvm.call @m_run(%[[IDS]], %[[LENGTH]], %[[LOGITS]], %[[WS]], %[[POOL]]) : (!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
// CHECK-LABEL: llvm.mlir.global private constant @m__inputs()
// CHECK: llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.insertvalue %{{.+}}, %{{.+}}[4]
// CHECK-LABEL: llvm.mlir.global external constant @m_model()
// CHECK: llvm.mlir.constant(8 : i64) : i64

// -----

// An entry point whose arguments do not follow the layout is refused.
module attributes {
  mbert.model_name = "m",
  mbert.signature = {
    inputs = [{name = "x", dtype = 1 : i32, shape = array<i64: 4>}],
    outputs = [{name = "y", dtype = 1 : i32, shape = array<i64: 4>}]},
  mbert.workspace_size = 0 : i64
} {
  // expected-error @+1 {{entry point argument 1 is the workspace where the C ABI has the output}}
  llvm.func @m_run(%x: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<input>}, %ws: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<workspace>}, %y: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<output>},
                   %pool: !llvm.ptr {mbert.entry_argument = #mbert.entry_argument<pool>}) -> i32 {
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
