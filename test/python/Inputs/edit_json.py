#!/usr/bin/python3
"""edit_json.py FILE KEY=JSON...: sets top-level keys of a JSON file, for making bad configs."""
import json
import sys

path = sys.argv[1]
with open(path) as file:
    document = json.load(file)
for assignment in sys.argv[2:]:
    key, value = assignment.split("=", 1)
    document[key] = json.loads(value)
with open(path, "w") as file:
    json.dump(document, file)
