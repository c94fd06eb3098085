#!/usr/bin/python3
"""Judge the GEMM inner loops of an AArch64 executable with llvm-mca, weighted by the work they do.

Disassembles EXE (an `mbert-compile --emit=exe` runner), finds every innermost loop of the
model's code (a backward branch whose body holds no other branch) with at least MIN multiply-add
instructions of the given mnemonic (16 by default: GEMM loops have 32-64, softmax's exp
polynomial 9), and runs each loop body through llvm-mca for each CPU model:
the fraction of the instruction's peak (instructions per cycle over the CPU's pipes for it) that
the steady state reaches.

Each loop is weighted by the multiply-adds it did in a real run: COUNTS holds, per guest address,
how many times a translation block starting there ran (`qemu-aarch64 -d exec,nochain`, counted by
bench/kernels.sh), so a loop's iterations are the count of its first address plus those of the
blocks that fall into it (its first iteration, when it is entered from the code before it), and its
multiply-adds are iterations x instructions x the multiply-adds one instruction does (FMLA on
4 lanes: 4; SDOT: 16; SMMLA: 32). Prints a markdown table, one row per loop (its function, share
of the run's multiply-adds, efficiency per CPU) and the weighted total.

    kernel_loops.py EXE MNEMONIC --counts COUNTS [--min 16] [--cpu neoverse-n1:2 ...]
"""

import argparse
import re
import subprocess
import sys

FUNCTION = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
INSTRUCTION = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
BRANCH = re.compile(r"^(b|b\.\w+|cbz|cbnz|tbz|tbnz)$")
TARGET = re.compile(r"0x([0-9a-f]+)")
# Multiply-adds one instruction does, by mnemonic (128-bit vectors).
MACS_PER_INSTRUCTION = {"fmla": 4, "sdot": 16, "smmla": 32}


def read_functions(executable):
    """{function name: [(address, mnemonic, operands)]} of the model's code."""
    listing = subprocess.run(["llvm-objdump-22", "-d", "--no-show-raw-insn", executable],
                             capture_output=True, text=True, check=True).stdout
    functions, current = {}, None
    for line in listing.split("\n"):
        match = FUNCTION.match(line)
        if match:
            current = match.group(2)
            functions[current] = []
            continue
        match = INSTRUCTION.match(line)
        if match and current is not None:
            functions[current].append((int(match.group(1), 16), match.group(2), match.group(3)))
    return {name: body for name, body in functions.items() if name.startswith("model_")}


def innermost_loops(instructions):
    """Yields (first address, entry addresses, body) of each loop: a backward branch to an address
    of the same function, with no other branch in between. The entry addresses are those of the
    straight-line code that falls into the loop: a block that starts there runs on into the
    loop's first iteration (qemu starts a block at a branch target and ends it at a branch)."""
    for index, (address, mnemonic, operands) in enumerate(instructions):
        target = TARGET.search(operands)
        if not BRANCH.match(mnemonic) or not target or int(target.group(1), 16) >= address:
            continue
        start = int(target.group(1), 16)
        first = next((i for i, (a, _, _) in enumerate(instructions) if a == start), None)
        if first is None or any(BRANCH.match(m) for _, m, _ in instructions[first:index]):
            continue
        entry = first
        while entry > 0 and not BRANCH.match(instructions[entry - 1][1]):
            entry -= 1
        # llvm-mca models a body as a loop by itself; the closing branch goes.
        yield (start, [a for a, _, _ in instructions[entry:first]],
               [f"{m} {o}" for _, m, o in instructions[first:index]])


def cycles_per_iteration(body, cpu, iterations=200):
    result = subprocess.run(["llvm-mca-22", "-mtriple=aarch64", f"-mcpu={cpu}",
                             "-mattr=+dotprod,+i8mm", f"-iterations={iterations}"],
                            input="\n".join(body) + "\n", capture_output=True, text=True,
                            check=True)
    total = re.search(r"Total Cycles:\s+(\d+)", result.stdout)
    return int(total.group(1)) / iterations


def read_counts(path):
    counts = {}
    with open(path) as file:
        for line in file:
            address, count = line.split()
            counts[int(address, 16)] = int(count)
    return counts


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("executable")
    parser.add_argument("mnemonic", choices=sorted(MACS_PER_INSTRUCTION),
                        help="the multiply-add instruction")
    parser.add_argument("--counts", required=True,
                        help="'ADDRESS COUNT' lines: executions of the block at each address")
    parser.add_argument("--min", type=int, default=16,
                        help="least multiply-add instructions of a GEMM loop (softmax's exp "
                             "polynomial has 9)")
    parser.add_argument("--cpu", action="append", metavar="NAME:PIPES",
                        help="llvm-mca CPU and its pipes for the instruction (repeatable)")
    arguments = parser.parse_args(argv)
    cpus = [(spec.split(":")[0], int(spec.split(":")[1]))
            for spec in (arguments.cpu or ["neoverse-n1:2", "neoverse-n2:2", "cortex-x1:4"])]
    counts = read_counts(arguments.counts)
    pattern = re.compile(r"^" + re.escape(arguments.mnemonic) + r"\b")

    rows = []
    for function, instructions in read_functions(arguments.executable).items():
        for start, entries, body in innermost_loops(instructions):
            multiply_adds = sum(1 for line in body if pattern.match(line))
            if multiply_adds < arguments.min:
                continue
            # Iterations: blocks starting at the loop, plus first iterations entered by falling in.
            iterations = counts.get(start, 0) + sum(counts.get(entry, 0) for entry in entries)
            macs = iterations * multiply_adds * MACS_PER_INSTRUCTION[arguments.mnemonic]
            fractions = [multiply_adds / pipes / cycles_per_iteration(body, name)
                         for name, pipes in cpus]
            rows.append((function, start, multiply_adds, len(body), macs, fractions))
    total = sum(row[4] for row in rows)
    if not rows or total == 0:
        print(f"error: no loop with {arguments.min} or more {arguments.mnemonic} ran in "
              f"{arguments.executable}", file=sys.stderr)
        return 1

    print(f"| loop | {arguments.mnemonic} / instructions | share of the multiply-adds | " +
          " | ".join(name for name, _ in cpus) + " |")
    print("|---|---|---|" + "---|" * len(cpus))
    for function, start, multiply_adds, length, macs, fractions in sorted(rows, key=lambda r: -r[4]):
        print(f"| {function} @ {start:#x} | {multiply_adds} / {length} | {macs / total:.1%} | " +
              " | ".join(f"{fraction:.0%}" for fraction in fractions) + " |")
    weighted = [sum(row[4] * row[5][i] for row in rows) / total for i in range(len(cpus))]
    print(f"| weighted by multiply-adds | | {total:,} multiply-adds | " +
          " | ".join(f"{fraction:.1%}" for fraction in weighted) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
