#!/usr/bin/python3
"""check_imports.py ALLOWED.txt SYMBOL...: every imported symbol must be in the allow list.
Prints "N imports, all available" or the ones that are not, exit 1."""
import sys

with open(sys.argv[1]) as listing:
    allowed = {line.strip() for line in listing if line.strip() and not line.startswith("#")}
imports = sys.argv[2:]
missing = sorted(set(imports) - allowed)
if missing:
    sys.exit("error: imports not known to be in bionic API 24 and iOS 15: " + " ".join(missing))
print(f"{len(imports)} imports, all available")
