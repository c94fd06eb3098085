#!/usr/bin/python3
"""check_answer.py CONTEXT OUTPUT: the qa example's printed answer must be the context's bytes
[begin, end) it printed, non-empty, on a real span of the context (not padding or the question).
Prints "answer is context[B:E]" or an error, exit 1."""
import sys

context = sys.argv[1].encode()
fields = {}
with open(sys.argv[2], encoding="utf-8") as output:
    for line in output:
        key, _, value = line.rstrip("\n").partition(": ")
        fields[key] = value
begin, end = (int(number) for number in fields["bytes"].split())
answer = fields["answer"].encode()
if not 0 <= begin < end <= len(context):
    sys.exit(f"error: bytes {begin} {end} are not a non-empty span of the {len(context)}-byte context")
if context[begin:end] != answer:
    sys.exit(f"error: the answer {answer!r} is not context[{begin}:{end}] = {context[begin:end]!r}")
print(f"answer is context[{begin}:{end}]")
