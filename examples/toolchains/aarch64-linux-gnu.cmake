# Cross-compiling an app for 64-bit Arm Linux from an x86-64 Debian/Ubuntu machine with the
# distribution's cross compiler (apt-get install gcc-aarch64-linux-gnu):
#   cmake -S app -B out -DCMAKE_TOOLCHAIN_FILE=examples/toolchains/aarch64-linux-gnu.cmake
# mbert_add_model then compiles models for aarch64-linux-gnu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# Libraries and headers of the target come from the cross compiler's own sysroot; programs (such
# as mbert-compile) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Static executables run under qemu-aarch64 without pointing it at a sysroot; drop this line for
# a device with its own C library.
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
