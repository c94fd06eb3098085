#!/usr/bin/python3
"""Compare the .npy outputs in ACTUAL_DIR against the expected ones in EXPECTED_DIR.

Every EXPECTED_DIR/<name>.npy must have a counterpart ACTUAL_DIR/<name>.npy of the same shape and
dtype, free of NaN and Inf, with

    max|actual - expected| <= rtol * max(max|expected|, tiny)

The tolerance is relative to the largest expected magnitude, not per element: MobileBERT has no
normalisation, so values near zero carry absolute errors set by the large values they were
computed from, and a per-element test would fail on them for no fault of the compiler.

Prints one line per output and exits 0 when all pass, 1 otherwise (2 for usage errors).
"""

import argparse
import glob
import os
import sys

import numpy as np

# Keeps the bound positive when the expected output is all zeros.
TINY_MAGNITUDE = float(np.finfo(np.float32).tiny)


def compare_one(name, actual_path, expected_path, rtol):
    """Returns (passed, report line)."""
    if not os.path.exists(actual_path):
        return False, f"{name}: missing {actual_path} FAIL"
    expected = np.load(expected_path)
    try:
        actual = np.load(actual_path)
    except (OSError, ValueError) as error:
        return False, f"{name}: cannot read {actual_path}: {error} FAIL"
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        return False, (f"{name}: got {actual.dtype}{list(actual.shape)}, "
                       f"expected {expected.dtype}{list(expected.shape)} FAIL")

    actual_wide = actual.astype(np.float64)
    expected_wide = expected.astype(np.float64)
    non_finite = int(np.count_nonzero(~np.isfinite(actual_wide)))
    if actual.size == 0:
        return True, f"{name}: empty OK"
    max_magnitude = float(np.abs(expected_wide).max())
    max_abs_err = float(np.abs(actual_wide - expected_wide).max())
    rel = max_abs_err / max(max_magnitude, TINY_MAGNITUDE)
    # A NaN in either file makes rel NaN, and NaN <= rtol is false: it fails.
    passed = non_finite == 0 and rel <= rtol
    line = f"{name}: max_abs_err={max_abs_err:.6g}, max_magnitude={max_magnitude:.6g}, rel={rel:.3g}"
    if non_finite:
        line += f", {non_finite} non-finite values in actual"
    return passed, line + (" OK" if passed else " FAIL")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("actual_dir")
    parser.add_argument("expected_dir")
    parser.add_argument("--rtol", type=float, default=1e-4,
                        help="allowed max abs error as a fraction of the largest expected magnitude")
    arguments = parser.parse_args(argv)

    expected_paths = sorted(glob.glob(os.path.join(arguments.expected_dir, "*.npy")))
    if not expected_paths:
        print(f"error: no .npy files in {arguments.expected_dir}", file=sys.stderr)
        return 2
    all_passed = True
    for expected_path in expected_paths:
        file_name = os.path.basename(expected_path)
        name = file_name[: -len(".npy")]
        passed, line = compare_one(name, os.path.join(arguments.actual_dir, file_name), expected_path,
                                   arguments.rtol)
        print(line)
        all_passed = all_passed and passed
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
