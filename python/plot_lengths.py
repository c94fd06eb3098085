#!/usr/bin/python3
"""Plot latency against sequence length from the CSV bench/lengths.sh writes.

    plot_lengths.py LATENCY.csv OUT.png [--fixed-object LENGTH=MS ...] [--title TEXT]

The CSV has a header line and the columns length, mbert_ms, onnxruntime_ms: median latencies of
one object compiled for run-time lengths and of ONNX Runtime, at each length. --fixed-object marks
the median of an object compiled for that one length, the figure the run-time-length object is
judged against. Both axes are linear: the lengths are evenly spaced and the latencies grow about
in proportion to them, which a log scale would flatten.
"""

import argparse
import csv
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write the file only
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)


def parse_fixed_object(text):
    length, _, milliseconds = text.partition("=")
    try:
        return int(length), float(milliseconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LENGTH=MS, got {text!r}") from None


def read_latencies(path):
    """Returns (lengths, mbert medians, ONNX Runtime medians), in the file's order."""
    with open(path, newline="") as csv_file:
        rows = list(csv.DictReader(csv_file))
    if not rows:
        raise ValueError(f"{path}: no measurements")
    try:
        return ([int(row["length"]) for row in rows], [float(row["mbert_ms"]) for row in rows],
                [float(row["onnxruntime_ms"]) for row in rows])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: expected columns length, mbert_ms, onnxruntime_ms: {error}") from None


def plot(lengths, mbert_ms, onnxruntime_ms, fixed_objects, title, out_path):
    figure, axes = plt.subplots(figsize=(8, 5), dpi=100)
    axes.plot(lengths, mbert_ms, marker="o", markersize=4, label=f"mbert, one object for 1..{max(lengths)}")
    axes.plot(lengths, onnxruntime_ms, marker="s", markersize=4, label="ONNX Runtime, dynamic axes")
    if fixed_objects:
        axes.scatter([length for length, _ in fixed_objects], [ms for _, ms in fixed_objects], marker="x",
                     s=80, color="black", zorder=3, label="mbert, an object for that length only")
    axes.set_xlabel("sequence length (tokens)")
    axes.set_ylabel("median latency (ms)")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend()
    if title:
        axes.set_title(title)
    figure.tight_layout()
    figure.savefig(out_path)
    plt.close(figure)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv_path", metavar="LATENCY.csv")
    parser.add_argument("out_path", metavar="OUT.png")
    parser.add_argument("--fixed-object", type=parse_fixed_object, action="append", default=[],
                        metavar="LENGTH=MS", help="median of an object compiled for LENGTH only")
    parser.add_argument("--title", default="", help="title above the plot")
    arguments = parser.parse_args(argv)
    try:
        lengths, mbert_ms, onnxruntime_ms = read_latencies(arguments.csv_path)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    plot(lengths, mbert_ms, onnxruntime_ms, arguments.fixed_object, arguments.title, arguments.out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
