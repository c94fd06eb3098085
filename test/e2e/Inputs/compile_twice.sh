#!/usr/bin/env bash
# compile_twice.sh MBERT_COMPILE MODEL OUT_DIR [FLAGS...]: compiles MODEL with FLAGS into
# OUT_DIR/first/qa.o and OUT_DIR/second/qa.o (each with its qa.h), compares the two objects and
# the two headers byte for byte, and prints "FLAGS: identical" when they are.
set -euo pipefail
compiler="$1" model="$2" out="$3"
shift 3
for copy in first second; do
  "$compiler" "$model" --name qa -o "$out/$copy/qa.o" "$@"
done
cmp "$out/first/qa.o" "$out/second/qa.o"
cmp "$out/first/qa.h" "$out/second/qa.h"
echo "$*: identical"
