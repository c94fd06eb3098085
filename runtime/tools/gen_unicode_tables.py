#!/usr/bin/python3
"""Generates runtime/src/unicode_tables.c: the Unicode data the tokenizer needs.

    /usr/bin/python3 runtime/tools/gen_unicode_tables.py > runtime/src/unicode_tables.c

The reference the tokenizer must reproduce is Hugging Face tokenizers (BertNormalizer,
BertPreTokenizer). Its character classes (control, nonspacing mark, punctuation) come from the
`unicode_categories` crate, whose data is Unicode 8.0: a code point assigned later has no category
there, so HF neither removes it as a control character nor strips it as an accent nor splits on it
as punctuation. The same holds for its NFD tables. To match, categories and decompositions are
taken from Python's unicodedata (Unicode 14 in Debian 12's python3.11) only for code points that
were already assigned in Unicode 8.0; the assignment age comes from Perl's Unicode::UCD (perl-modules,
present on every Debian system), because Python's unicodedata does not know a character's age.
Lowercasing follows Rust's char::to_lowercase, which is current Unicode; Python 14's per-character
lower() stands in for it.

Output: a two-level table of per-code-point flags (the code point's high bits pick a block of
BLOCK_SIZE flag bytes; identical blocks are stored once), plus sorted mapping lists for the full
canonical decomposition (Hangul syllables excepted: the C code decomposes them arithmetically) and
the lowercase mapping, which the C code binary-searches only for code points flagged as having one.
"""
import subprocess
import sys
import unicodedata

MAX_CODE_POINT = 0x110000
BLOCK_SHIFT = 7
BLOCK_SIZE = 1 << BLOCK_SHIFT

# Flag bits; runtime/src/unicode_tables.h names them identically.
FLAG_REMOVED = 1 << 0  # dropped by the normalizer: NUL, U+FFFD, control and format characters
FLAG_WHITESPACE = 1 << 1
FLAG_PUNCTUATION = 1 << 2
FLAG_NONSPACING_MARK = 1 << 3
FLAG_CJK = 1 << 4
FLAG_HAS_DECOMPOSITION = 1 << 5
FLAG_HAS_LOWERCASE = 1 << 6

# Rust's char::is_whitespace, i.e. the White_Space property (stable since Unicode 6.3).
WHITESPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F,
              0x205F, 0x3000} | set(range(0x2000, 0x200B))
# The "Chinese character" blocks HF pads with spaces (its list, which differs from Google's BERT
# in starting the Extension E range at U+2B920 rather than U+2B820).
CJK_RANGES = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]
MAX_DECOMPOSITION = 4  # MBERT_UNICODE_MAX_DECOMPOSITION
MAX_LOWERCASE = 2  # MBERT_UNICODE_MAX_LOWERCASE
HANGUL_SYLLABLES = range(0xAC00, 0xAC00 + 11172)


def assigned_in_unicode_8():
    """The inversion list of code points assigned in Unicode 8.0, as a set."""
    script = 'use Unicode::UCD "prop_invlist"; print join(" ", prop_invlist("In=8.0"));'
    bounds = [int(x) for x in subprocess.run(["perl", "-e", script], check=True,
                                             capture_output=True, text=True).stdout.split()]
    bounds.append(MAX_CODE_POINT)
    assigned = set()
    for start, stop in zip(bounds[0::2], bounds[1::2]):
        assigned.update(range(start, stop))
    return assigned


def is_ascii_punctuation(cp):
    return 0x21 <= cp <= 0x2F or 0x3A <= cp <= 0x40 or 0x5B <= cp <= 0x60 or 0x7B <= cp <= 0x7E


def compute_flags_and_mappings():
    assigned = assigned_in_unicode_8()
    flags = bytearray(MAX_CODE_POINT)
    decompositions = {}
    lowercases = {}
    for cp in range(MAX_CODE_POINT):
        char = chr(cp)
        category = unicodedata.category(char) if cp in assigned else "Cn"
        value = 0
        if cp in (0, 0xFFFD) or (category in ("Cc", "Cf", "Co", "Cs") and cp not in (9, 10, 13)):
            value |= FLAG_REMOVED
        if cp in WHITESPACE:
            value |= FLAG_WHITESPACE
        if is_ascii_punctuation(cp) or category.startswith("P"):
            value |= FLAG_PUNCTUATION
        if category == "Mn":
            value |= FLAG_NONSPACING_MARK
        if any(low <= cp <= high for low, high in CJK_RANGES):
            value |= FLAG_CJK
        if cp in assigned and cp not in HANGUL_SYLLABLES and not 0xD800 <= cp <= 0xDFFF:
            decomposed = unicodedata.normalize("NFD", char)
            if decomposed != char:
                value |= FLAG_HAS_DECOMPOSITION
                decompositions[cp] = [ord(c) for c in decomposed]
        if not 0xD800 <= cp <= 0xDFFF:
            lowered = char.lower()
            if lowered != char:
                value |= FLAG_HAS_LOWERCASE
                lowercases[cp] = [ord(c) for c in lowered]
        flags[cp] = value
    # runtime/src/unicode_tables.h sizes its buffers by these bounds.
    assert max(len(v) for v in decompositions.values()) <= MAX_DECOMPOSITION
    assert max(len(v) for v in lowercases.values()) <= MAX_LOWERCASE
    return flags, decompositions, lowercases


def emit_array(out, c_type, name, values, per_line, width):
    out.write(f"const {c_type} {name}[{len(values)}] = {{\n")
    for i in range(0, len(values), per_line):
        out.write("  " + " ".join(f"{v:#0{width}x}," for v in values[i:i + per_line]) + "\n")
    out.write("};\n\n")


def emit_mapping(out, prefix, mapping):
    """A sorted key list, and for each key the start of its sequence in a shared pool (one extra
    entry closes the last sequence)."""
    keys = sorted(mapping)
    pool, starts = [], []
    for key in keys:
        starts.append(len(pool))
        pool.extend(mapping[key])
    starts.append(len(pool))
    out.write(f"const uint32_t {prefix}_count = {len(keys)};\n\n")
    emit_array(out, "uint32_t", f"{prefix}_keys", keys, 8, 8)
    emit_array(out, "uint16_t", f"{prefix}_starts", starts, 10, 6)
    emit_array(out, "uint32_t", f"{prefix}_pool", pool, 8, 8)


def main():
    flags, decompositions, lowercases = compute_flags_and_mappings()
    block_index, blocks, block_numbers = [], [], {}
    for start in range(0, MAX_CODE_POINT, BLOCK_SIZE):
        block = bytes(flags[start:start + BLOCK_SIZE])
        if block not in block_numbers:
            block_numbers[block] = len(blocks)
            blocks.append(block)
        block_index.append(block_numbers[block])
    out = sys.stdout
    out.write("/* Generated by runtime/tools/gen_unicode_tables.py from Python's unicodedata "
              f"{unicodedata.unidata_version}\n * (categories and decompositions limited to "
              "code points assigned in Unicode 8.0). Do not edit. */\n")
    out.write('#include "unicode_tables.h"\n\n')
    out.write(f"/* {len(blocks)} distinct blocks of {BLOCK_SIZE} code points. */\n")
    emit_array(out, "uint16_t", "mbert_unicode_block_index", block_index, 12, 6)
    emit_array(out, "uint8_t", "mbert_unicode_block_flags", [b for block in blocks for b in block],
               16, 4)
    emit_mapping(out, "mbert_unicode_decomposition", decompositions)
    emit_mapping(out, "mbert_unicode_lowercase", lowercases)


if __name__ == "__main__":
    main()
