# mbert's CMake package: find_package(mbert REQUIRED) in an app, then
#
#   mbert_add_model(<target> MODEL model.onnx [NAME name] [SEQ_LEN n | MAX_SEQ_LEN n]
#                   [QUANTIZE none|int8] [VOCAB vocab.txt] [CPU cpu] [FEATURES +f,...]
#                   [TARGET triple])
#
# SEQ_LEN fixes the sequence length; MAX_SEQ_LEN makes one object whose entry point takes the
# actual length, 1 to n, at run time (mbert-compile --max-seq-len, docs/ABI.md).
#
# compiles the model at build time with the installed mbert-compile, for the triple of the app's
# own toolchain (MBertTargetTriple.cmake), and makes <target>: a static library holding the model
# object, whose users get the generated NAME.h and link mbert::runtime. The runtime is compiled
# from the installed sources by the app's compiler, so the same package serves the host, a Linux
# cross toolchain, the Android NDK and Xcode.
#
# Layout under the prefix (cmake --install):
#   bin/mbert-compile                       the compiler (runs on the build machine)
#   include/mbert_*.h                       the runtime's public headers
#   share/mbert/runtime/src/                the runtime's C sources
#   lib/cmake/mbert/                        this file and MBertTargetTriple.cmake

cmake_minimum_required(VERSION 3.20)
get_filename_component(_mbert_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
include("${CMAKE_CURRENT_LIST_DIR}/MBertTargetTriple.cmake")

set(MBERT_COMPILE_EXECUTABLE "${_mbert_prefix}/bin/mbert-compile")
set(MBERT_INCLUDE_DIR "${_mbert_prefix}/include")
set(MBERT_RUNTIME_SOURCE_DIR "${_mbert_prefix}/share/mbert/runtime/src")
if(NOT EXISTS "${MBERT_COMPILE_EXECUTABLE}")
  set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
  set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
      "mbert-compile is missing from ${_mbert_prefix}/bin: reinstall the package")
  return()
endif()

# --- The runtime, built from source by the app's toolchain --------------------------------------
if(NOT TARGET mbert::runtime)
  if(NOT CMAKE_C_COMPILER_LOADED)
    message(FATAL_ERROR "mbert: the runtime is C; enable C in your project "
                        "(project(<name> LANGUAGES C ...)) before find_package(mbert)")
  endif()
  add_library(mbert_runtime STATIC
    "${MBERT_RUNTIME_SOURCE_DIR}/runtime.c"
    "${MBERT_RUNTIME_SOURCE_DIR}/npy.c"
    "${MBERT_RUNTIME_SOURCE_DIR}/pool.c"
    "${MBERT_RUNTIME_SOURCE_DIR}/tokenizer.c"
    "${MBERT_RUNTIME_SOURCE_DIR}/unicode_tables.c"
    "${MBERT_RUNTIME_SOURCE_DIR}/postprocess.c")
  add_library(mbert::runtime ALIAS mbert_runtime)
  target_include_directories(mbert_runtime PUBLIC "${MBERT_INCLUDE_DIR}")
  # PIC: Android apps link the runtime into a shared JNI library.
  set_target_properties(mbert_runtime PROPERTIES
    C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  set(THREADS_PREFER_PTHREAD_FLAG ON)
  find_package(Threads REQUIRED)
  target_link_libraries(mbert_runtime PUBLIC Threads::Threads)
  # expf in the softmax: libm is separate on Linux and Android, part of libSystem on Apple.
  if(NOT APPLE)
    target_link_libraries(mbert_runtime PUBLIC m)
  endif()
endif()

# --- Models ---------------------------------------------------------------------------------------
function(mbert_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG ""
                        "MODEL;NAME;SEQ_LEN;MAX_SEQ_LEN;QUANTIZE;VOCAB;CPU;FEATURES;TARGET" "")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mbert_add_model(${target}): unknown arguments '${ARG_UNPARSED_ARGUMENTS}' "
                        "(expected MODEL, NAME, SEQ_LEN, MAX_SEQ_LEN, QUANTIZE, VOCAB, CPU, "
                        "FEATURES, TARGET)")
  endif()
  if(ARG_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "mbert_add_model(${target}): ${ARG_KEYWORDS_MISSING_VALUES} needs a value")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "mbert_add_model(${target}): MODEL <model.onnx> is required")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model}" OR IS_DIRECTORY "${model}")
    message(FATAL_ERROR "mbert_add_model(${target}): MODEL '${model}' does not exist")
  endif()

  set(name "${target}")
  if(DEFINED ARG_NAME)
    set(name "${ARG_NAME}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "mbert_add_model(${target}): NAME '${name}' is not a C identifier "
                        "(it names the symbols ${name}_run, ${name}_model and the header ${name}.h)")
  endif()

  set(triple "${ARG_TARGET}")
  if(NOT triple)
    mbert_target_triple(triple)
  endif()
  set(options --target=${triple} --name=${name})
  if(DEFINED ARG_SEQ_LEN)
    if(NOT ARG_SEQ_LEN MATCHES "^[1-9][0-9]*$")
      message(FATAL_ERROR "mbert_add_model(${target}): SEQ_LEN '${ARG_SEQ_LEN}' is not a "
                          "positive integer")
    endif()
    list(APPEND options --seq-len=${ARG_SEQ_LEN})
  endif()
  if(DEFINED ARG_MAX_SEQ_LEN)
    if(DEFINED ARG_SEQ_LEN)
      message(FATAL_ERROR "mbert_add_model(${target}): give SEQ_LEN (a fixed length) or "
                          "MAX_SEQ_LEN (a run-time length up to it), not both")
    endif()
    if(NOT ARG_MAX_SEQ_LEN MATCHES "^[1-9][0-9]*$")
      message(FATAL_ERROR "mbert_add_model(${target}): MAX_SEQ_LEN '${ARG_MAX_SEQ_LEN}' is not a "
                          "positive integer")
    endif()
    list(APPEND options --max-seq-len=${ARG_MAX_SEQ_LEN})
  endif()
  if(DEFINED ARG_QUANTIZE)
    if(NOT ARG_QUANTIZE MATCHES "^(none|int8)$")
      message(FATAL_ERROR "mbert_add_model(${target}): QUANTIZE '${ARG_QUANTIZE}' is not one of "
                          "none, int8")
    endif()
    list(APPEND options --quantize=${ARG_QUANTIZE})
  endif()
  set(vocab_dependency)
  if(DEFINED ARG_VOCAB)
    get_filename_component(vocab "${ARG_VOCAB}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${vocab}" OR IS_DIRECTORY "${vocab}")
      message(FATAL_ERROR "mbert_add_model(${target}): VOCAB '${vocab}' does not exist")
    endif()
    list(APPEND options --vocab=${vocab})
    set(vocab_dependency "${vocab}")
  endif()
  if(DEFINED ARG_CPU)
    list(APPEND options --cpu=${ARG_CPU})
  endif()
  if(DEFINED ARG_FEATURES)
    list(APPEND options --features=${ARG_FEATURES})
  endif()

  set(output_dir "${CMAKE_CURRENT_BINARY_DIR}/mbert/${target}")
  set(object "${output_dir}/${name}${CMAKE_C_OUTPUT_EXTENSION}")
  set(header "${output_dir}/${name}.h")
  # The options go into a file that changes only when they do, and the compile depends on it:
  # every generator then recompiles when an option changes, not only Ninja (which compares
  # command lines).
  set(options_file "${output_dir}/options.txt")
  file(MAKE_DIRECTORY "${output_dir}")
  file(CONFIGURE OUTPUT "${options_file}" CONTENT "${model}\n${options}\n")
  add_custom_command(
    OUTPUT "${object}" "${header}"
    COMMAND "${MBERT_COMPILE_EXECUTABLE}" "${model}" -o "${object}" ${options}
    DEPENDS "${model}" ${vocab_dependency} "${options_file}" "${MBERT_COMPILE_EXECUTABLE}"
    COMMENT "mbert-compile ${ARG_MODEL} for ${triple} (${name}.o, ${name}.h)"
    VERBATIM)
  # The object is the library's only member; the library makes it something to link, and carries
  # the header directory and the runtime to its users.
  add_library(${target} STATIC "${object}" "${header}")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} PUBLIC "${output_dir}")
  target_link_libraries(${target} PUBLIC mbert::runtime)
endfunction()
