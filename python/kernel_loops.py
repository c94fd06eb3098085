#!/usr/bin/python3
"""Judge the GEMM inner loops of an AArch64 assembly file with llvm-mca.

Finds every innermost loop (a label branched back to from below, with no other label between)
that holds at least MIN multiply-add instructions of the given mnemonic, runs each distinct loop
body through llvm-mca for each CPU model, and prints a markdown table: the loop, its multiply-add
instructions and instruction count, and for each CPU the fraction of the instruction's peak
(instructions per cycle over the CPU's pipes for it) that llvm-mca's steady state reaches.

    kernel_loops.py FILE.s MNEMONIC [--min 8] [--cpu neoverse-n1:2 --cpu cortex-x1:4 ...]
"""

import argparse
import re
import subprocess
import sys

LABEL = re.compile(r"^(\.?L\w+):")
BACK_BRANCH = re.compile(r"\s+(?:b(?:\.\w+)?|cbnz|cbz|tbnz|tbz)\s+(?:[\w#]+,\s*)*(\.?L\w+)\s*$")


def innermost_loops(lines):
    """Yields (label, body lines) of each loop whose body contains no other label."""
    labels = {}
    for number, line in enumerate(lines):
        match = LABEL.match(line)
        if match:
            labels[match.group(1)] = number
    for number, line in enumerate(lines):
        match = BACK_BRANCH.match(line)
        if not match or match.group(1) not in labels or labels[match.group(1)] > number:
            continue
        start = labels[match.group(1)]
        if any(LABEL.match(inner) for inner in lines[start + 1:number]):
            continue
        body = [inner for inner in lines[start + 1:number + 1]
                if inner.strip() and not inner.strip().startswith((".", "//", "#"))]
        yield match.group(1), body


def cycles_per_iteration(body, cpu, iterations=200):
    source = "\n".join(body) + "\n"
    result = subprocess.run(["llvm-mca-22", "-mtriple=aarch64", f"-mcpu={cpu}",
                             "-mattr=+dotprod,+i8mm", f"-iterations={iterations}"],
                            input=source, capture_output=True, text=True, check=True)
    total = re.search(r"Total Cycles:\s+(\d+)", result.stdout)
    return int(total.group(1)) / iterations


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assembly")
    parser.add_argument("mnemonic", help="the multiply-add instruction: fmla, sdot, smmla")
    parser.add_argument("--min", type=int, default=8, help="least multiply-adds of a GEMM loop")
    parser.add_argument("--cpu", action="append", metavar="NAME:PIPES",
                        help="llvm-mca CPU and its pipes for the instruction (repeatable)")
    arguments = parser.parse_args(argv)
    cpus = [(spec.split(":")[0], int(spec.split(":")[1]))
            for spec in (arguments.cpu or ["neoverse-n1:2", "neoverse-n2:2", "cortex-x1:4"])]
    with open(arguments.assembly) as file:
        lines = file.read().split("\n")
    pattern = re.compile(r"\b" + re.escape(arguments.mnemonic) + r"\b")
    print("| loop | " + arguments.mnemonic + " / instructions | " +
          " | ".join(name for name, _ in cpus) + " |")
    print("|---|---|" + "---|" * len(cpus))
    seen = set()
    for label, body in innermost_loops(lines):
        count = sum(1 for line in body if pattern.search(line))
        key = "\n".join(body)
        if count < arguments.min or key in seen:
            continue
        seen.add(key)
        fractions = [count / pipes / cycles_per_iteration(body, name) for name, pipes in cpus]
        print(f"| {label} | {count} / {len(body)} | " +
              " | ".join(f"{fraction:.0%}" for fraction in fractions) + " |")
    if not seen:
        print(f"error: no loop with {arguments.min} or more {arguments.mnemonic} in "
              f"{arguments.assembly}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
