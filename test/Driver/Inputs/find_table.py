"""Checks that an object carries the bytes of `table.bin` exactly once:
argv is the object and the table."""
import sys

obj = open(sys.argv[1], "rb").read()
table = open(sys.argv[2], "rb").read()
count = obj.count(table)
if count != 1:
    sys.exit(f"the table's bytes are in the object {count} times, not once")
print("table found")
