#!/usr/bin/python3
"""Compare the .npy outputs in ACTUAL_DIR against the expected ones in EXPECTED_DIR.

Every EXPECTED_DIR/<name>.npy must have a counterpart ACTUAL_DIR/<name>.npy of the same shape and
dtype, free of NaN and Inf, with

    max|actual - expected| <= rtol * max(max|expected|, tiny)

The tolerance is relative to the largest expected magnitude, not per element: MobileBERT has no
normalisation, so values near zero carry absolute errors set by the large values they were
computed from, and a per-element test would fail on them for no fault of the compiler.

With --min-cosine C the test is instead that the cosine similarity of each output with the
expected one (both flattened) is at least C: the measure for quantized models, whose error is
noise spread over every element rather than a rounding-level difference.

Prints one line per output and exits 0 when all pass, 1 otherwise (2 for usage errors).
"""

import argparse
import glob
import os
import sys

import numpy as np

# Keeps the bound positive when the expected output is all zeros.
TINY_MAGNITUDE = float(np.finfo(np.float32).tiny)


def cosine_similarity(actual, expected):
    norms = float(np.linalg.norm(actual) * np.linalg.norm(expected))
    if norms == 0.0:
        return 1.0 if not actual.any() and not expected.any() else 0.0
    return float(np.dot(actual.ravel(), expected.ravel())) / norms


def compare_one(name, actual_path, expected_path, rtol, min_cosine=None):
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
    cosine = cosine_similarity(actual_wide, expected_wide)
    # A NaN in either file makes rel and cosine NaN, and a comparison with NaN is false: it fails.
    if min_cosine is None:
        passed = non_finite == 0 and rel <= rtol
    else:
        passed = non_finite == 0 and cosine >= min_cosine
    line = (f"{name}: max_abs_err={max_abs_err:.6g}, max_magnitude={max_magnitude:.6g}, "
            f"rel={rel:.3g}, cosine={cosine:.6f}")
    if non_finite:
        line += f", {non_finite} non-finite values in actual"
    return passed, line + (" OK" if passed else " FAIL")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("actual_dir")
    parser.add_argument("expected_dir")
    parser.add_argument("--rtol", type=float, default=1e-4,
                        help="allowed max abs error as a fraction of the largest expected magnitude")
    parser.add_argument("--min-cosine", type=float,
                        help="instead of --rtol: the least cosine similarity each output must reach")
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
                                   arguments.rtol, arguments.min_cosine)
        print(line)
        all_passed = all_passed and passed
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
