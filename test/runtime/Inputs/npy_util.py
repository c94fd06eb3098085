"""Makes and inspects .npy files for the runtime's lit tests, using numpy as the reference.

  save FILE --dtype D --shape 2,3 --values 1,2,...  write an array (one value fills it);
       [--version 1|2|3] [--fortran] [--big-endian] --shape '' is a scalar
  raw FILE --header TEXT [--version N] [--data-bytes N] write a .npy image with a verbatim header
  resize FILE --by N                                  append (N > 0) or cut off (N < 0) bytes
  show FILE...                                        print "NAME: dtype shape values" per file
  list DIR                                            print the sorted file names, or "<missing>"
  roundtrip [--prefix CMD] TOOL DIR                   check mbert_npy_tool against numpy for
                                                      every dtype, format version and shape kind
"""

import argparse
import os
import shlex
import subprocess
import sys

import numpy as np

DTYPES = ["float32", "float64", "int32", "int64", "uint8", "int8", "bool"]
SHAPES = [(2, 3), (5,), (), (0, 4), (2, 1, 3, 1)]


def parse_shape(text):
    if text in ("", "scalar"):
        return ()
    return tuple(int(dim) for dim in text.split(","))


def write_npy(path, array, version):
    with open(path, "wb") as file:
        np.lib.format.write_array(file, array, version=(version, 0))


def command_save(args):
    shape = parse_shape(args.shape)
    values = [float(v) if args.dtype.startswith("float") else int(v)
              for v in args.values.split(",")] if args.values else [0]
    if len(values) == 1:
        array = np.full(shape, values[0], dtype=args.dtype)
    else:
        array = np.array(values, dtype=args.dtype).reshape(shape)
    if args.big_endian:
        array = array.astype(array.dtype.newbyteorder(">"))
    if args.fortran:
        array = np.asfortranarray(array)
    write_npy(args.file, array, args.version)


def command_raw(args):
    header = args.header.encode("latin1")
    length_size = 2 if args.version == 1 else 4
    with open(args.file, "wb") as file:
        file.write(b"\x93NUMPY" + bytes([args.version, 0]))
        file.write(len(header).to_bytes(length_size, "little"))
        file.write(header)
        file.write(bytes(range(256)) * (args.data_bytes // 256) + bytes(range(args.data_bytes % 256)))


def command_resize(args):
    with open(args.file, "rb") as file:
        data = file.read()
    data = data + b"\0" * args.by if args.by > 0 else data[:len(data) + args.by]
    with open(args.file, "wb") as file:
        file.write(data)


def command_show(args):
    for path in args.files:
        array = np.load(path, allow_pickle=False)
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"{name}: {array.dtype} {list(array.shape)} {array.ravel().tolist()}")


def command_list(args):
    if not os.path.isdir(args.dir):
        print("<missing>")
        return
    names = sorted(os.listdir(args.dir))
    print(" ".join(names) if names else "<empty>")


def sample_array(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape, dtype=np.int64))
    if dtype == "bool":
        values = rng.integers(0, 2, count).astype(bool)
    elif dtype.startswith("float"):
        values = rng.standard_normal(count).astype(dtype) * 1000
        special = np.array([np.nan, np.inf, -np.inf, -0.0], dtype=dtype)
        values[:min(count, 4)] = special[:min(count, 4)]
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, count, dtype=dtype, endpoint=True)
    return values.reshape(shape)


def command_roundtrip(args):
    """Numpy writes, the tool reads and rewrites, numpy reads back: every byte must survive, and
    the rewritten file must be byte-identical to what np.save writes for the same array."""
    prefix = shlex.split(args.prefix) if args.prefix else []
    os.makedirs(args.dir, exist_ok=True)
    checked = 0
    failures = []
    for dtype in DTYPES:
        for version in (1, 2, 3):
            for shape_index, shape in enumerate(SHAPES):
                array = sample_array(dtype, shape, seed=checked)
                stem = os.path.join(args.dir, f"{dtype}_v{version}_s{shape_index}")
                write_npy(stem + ".in.npy", array, version)
                described = subprocess.run(prefix + [args.tool, "describe", stem + ".in.npy"],
                                           capture_output=True, text=True)
                expected = (f"dtype={dtype} shape=[{','.join(map(str, shape))}] "
                            f"bytes={array.nbytes}")
                if described.returncode != 0 or described.stdout.strip() != expected:
                    failures.append(f"{stem}: describe gave {described.stdout.strip()!r} "
                                    f"{described.stderr.strip()!r}, expected {expected!r}")
                copied = subprocess.run(prefix + [args.tool, "copy", stem + ".in.npy",
                                                  stem + ".out.npy"],
                                        capture_output=True, text=True)
                if copied.returncode != 0:
                    failures.append(f"{stem}: copy failed: {copied.stderr.strip()}")
                    continue
                result = np.load(stem + ".out.npy", allow_pickle=False)
                if (result.dtype != array.dtype or result.shape != array.shape
                        or result.tobytes() != array.tobytes()):
                    failures.append(f"{stem}: copy changed the array")
                with open(stem + ".np.npy", "wb") as file:
                    np.save(file, array)
                with open(stem + ".out.npy", "rb") as ours, open(stem + ".np.npy", "rb") as theirs:
                    if ours.read() != theirs.read():
                        failures.append(f"{stem}: written file differs from np.save's")
                checked += 1
    for failure in failures:
        print("FAIL", failure)
    print(f"roundtrip: {checked} arrays, {len(failures)} failures")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    save = commands.add_parser("save")
    save.add_argument("file")
    save.add_argument("--dtype", required=True, choices=DTYPES + ["float16"])
    save.add_argument("--shape", required=True)
    save.add_argument("--values", default="")
    save.add_argument("--version", type=int, default=1, choices=[1, 2, 3])
    save.add_argument("--fortran", action="store_true")
    save.add_argument("--big-endian", action="store_true")
    raw = commands.add_parser("raw")
    raw.add_argument("file")
    raw.add_argument("--header", required=True)
    raw.add_argument("--version", type=int, default=1)
    raw.add_argument("--data-bytes", type=int, default=0)
    resize = commands.add_parser("resize")
    resize.add_argument("file")
    resize.add_argument("--by", type=int, required=True)
    show = commands.add_parser("show")
    show.add_argument("files", nargs="+")
    listing = commands.add_parser("list")
    listing.add_argument("dir")
    roundtrip = commands.add_parser("roundtrip")
    roundtrip.add_argument("--prefix", default="")
    roundtrip.add_argument("tool")
    roundtrip.add_argument("dir")
    args = parser.parse_args()
    handlers = {"save": command_save, "raw": command_raw, "resize": command_resize,
                "show": command_show, "list": command_list, "roundtrip": command_roundtrip}
    sys.exit(handlers[args.command](args) or 0)


if __name__ == "__main__":
    main()
