#!/usr/bin/env bash
# Installs every build, test and export dependency of mbert on Debian 12.
# Idempotent: packages already installed are not asked for again.
set -euo pipefail

packages=(
  # Compiler toolchain: LLVM/MLIR 22 (from Debian's security suite) and its build needs.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 libzstd-dev
  # AddressSanitizer, UBSan and libFuzzer runtimes (scripts/build.sh --sanitize, scripts/fuzz.sh).
  libclang-rt-22-dev
  cmake ninja-build g++
  # Compiler cache (scripts/build.sh uses it when present): a fresh clone's plain and sanitized
  # builds took about 10 minutes each on 2 cores with nothing cached, and need only the changed
  # files once the cache holds them.
  ccache
  # ONNX frontend.
  libonnx-dev libprotobuf-dev protobuf-compiler
  # AArch64: cross compiler for the runtime, qemu to run what we compile.
  qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross
  # Exporter, references and conformance data.
  python3-torch python3-onnx python3-numpy libonnx-testdata
  # The latency plot of bench/lengths.sh (python/plot_lengths.py).
  python3-matplotlib
  # jni.h, for the test that compiles the Android JNI bridge.
  openjdk-17-jdk-headless
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
