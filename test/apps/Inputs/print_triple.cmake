# cmake -DMBERT_CMAKE_DIR=<prefix>/lib/cmake/mbert -DCMAKE_SYSTEM_NAME=... [...] -P print_triple.cmake
# Prints the triple mbert_add_model would compile for with those toolchain variables.
include("${MBERT_CMAKE_DIR}/MBertTargetTriple.cmake")
mbert_target_triple(triple)
message("triple: ${triple}")
