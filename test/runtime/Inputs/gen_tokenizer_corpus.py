#!/usr/bin/python3
"""Writes a seeded random corpus for comparing mbert's tokenizer with Hugging Face's.

    gen_tokenizer_corpus.py OUT_DIR [--texts N] [--pairs N] [--seed S]

OUT_DIR/texts.hex: one text per line, as hex of its UTF-8 bytes.
OUT_DIR/pairs.hex: one (question, context) pair per line: hex, tab, hex.

Texts mix what BERT's normalizer and pre-tokenizer treat specially: case, precomposed and
combining accents, ASCII and Unicode punctuation, symbols (which are not punctuation), CJK
ideographs (including compatibility ones), Hangul, emoji with joiners and skin tones, numbers,
words of 100 and 101+ characters, every kind of whitespace, control and format characters,
private use and unassigned code points, and characters newer than Unicode 8.0.
"""
import argparse
import os
import random

WORDS = """the of and to in is was for on that by with as it from at his an were are which this
be or has had first one their its new after but who not they have her she two been other when
there all during into school time may years more most only over city some world would where
later up such used many can state about national out known university united then made also
question answer model token window stride context sentence running jumped unaffable tokenizer
compile mobile phone intelligence language transformer attention embedding""".split()
ACCENTED = ["café", "naïve", "résumé", "über", "Straße", "Ångström", "São", "Paulo", "façade",
            "jalapeño", "Dvořák", "Łódź", "smørrebrød", "Crème", "brûlée", "ÉCOLE", "İstanbul",
            "ΣΊΣΥΦΟΣ", "Οδυσσέας", "Москва", "Привет", "Ελλάδα", "ﬁnance", "Ａｂｃ"]
COMBINING = ["\u0301", "\u0300", "\u0308", "\u0327", "\u030c", "\u0323", "\u0316", "\u0345",
             "\u20d7", "\u0e49"]
PUNCTUATION = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + [
    "“", "”", "‘", "’", "—", "–", "…", "¿", "¡", "«", "»", "、", "。", "「", "」", "·", "§",
    "¶", "‽", "⁂", "〜", "・", "\u037e", "\u0387"]
SYMBOLS = ["€", "£", "¥", "©", "®", "°", "±", "×", "÷", "∑", "√", "∞", "≠", "≤", "→", "♥",
           "★", "✓", "™", "¬", "¦", "¨", "´", "¸"]
EMOJI = ["😀", "😂", "👍", "🎉", "🚀", "❤️", "👩\u200d💻", "👍🏽", "🇫🇷", "🥰", "🫠", "🧑\u200d🤝\u200d🧑"]
SCRIPTS = ["مرحبا", "العالم", "नमस्ते", "हिन्दी", "สวัสดี", "ภาษาไทย", "שלום", "日本語", "한국어",
           "안녕하세요", "東京タワー", "ひらがな", "カタカナ", "ελληνικά", "ქართული", "Հայերեն"]
WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\u2029",
              "\u1680", "\u202f", "\u205f", "\u000b", "\u000c", "\u0085"]
CONTROL = ["\x00", "\x01", "\x1b", "\x7f", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad",
           "\u2060", "\ue000", "\U000f0000", "\ufffd", "\u0378", "\U000e0001", "\u061c"]
# Assigned after Unicode 8.0 (which HF's character classes stop at): a nonspacing mark, a format
# character and punctuation.
NEWER = ["\u07fd", "\u08d3", "\u0890", "\u2e4f", "\U0001e94a", "\U00011a3f"]


def cjk(rng):
    low, high = rng.choice([(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF),
                            (0x20000, 0x2A6DF), (0x2B820, 0x2B91F)])
    return chr(rng.randint(low, high))


def hangul(rng):
    return "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(rng.randint(1, 4)))


def cased(rng, word):
    style = rng.random()
    if style < 0.2:
        return word.capitalize()
    if style < 0.3:
        return word.upper()
    if style < 0.35:
        return "".join(c.upper() if rng.random() < 0.5 else c for c in word)
    return word


def number(rng):
    return rng.choice([str(rng.randint(0, 10**rng.randint(1, 9))), f"{rng.uniform(0, 1000):.2f}",
                       f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}", "1st", "2nd", "3.14159",
                       "+33 1 23 45 67 89", "0xFF", "42%"])


def long_word(rng):
    length = rng.choice([99, 100, 101, 150, 300])
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))


def piece(rng):
    kind = rng.random()
    if kind < 0.45:
        return cased(rng, rng.choice(WORDS))
    if kind < 0.52:
        return cased(rng, rng.choice(ACCENTED))
    if kind < 0.56:
        word = rng.choice(WORDS)
        cut = rng.randint(0, len(word))
        return word[:cut] + rng.choice(COMBINING) + word[cut:]
    if kind < 0.64:
        return rng.choice(PUNCTUATION)
    if kind < 0.67:
        return rng.choice(SYMBOLS)
    if kind < 0.72:
        return "".join(cjk(rng) for _ in range(rng.randint(1, 4)))
    if kind < 0.74:
        return hangul(rng)
    if kind < 0.77:
        return rng.choice(EMOJI)
    if kind < 0.81:
        return number(rng)
    if kind < 0.84:
        return rng.choice(SCRIPTS)
    if kind < 0.85:
        return long_word(rng)
    if kind < 0.88:
        return rng.choice(CONTROL)
    if kind < 0.89:
        return rng.choice(NEWER)
    if kind < 0.92:  # glued to its neighbours: "word,word" or "(x)"
        return rng.choice(WORDS) + rng.choice(PUNCTUATION) + rng.choice(WORDS)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                   for _ in range(rng.randint(2, 14)))


def text(rng, min_pieces, max_pieces):
    parts = []
    for _ in range(rng.randint(min_pieces, max_pieces)):
        parts.append(piece(rng))
        parts.append(rng.choice(WHITESPACE) if rng.random() < 0.15 else
                     ("" if rng.random() < 0.1 else " "))
    return "".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "texts.hex"), "w") as out:
        fixed = ["", " ", "\u200b", "a" * 100, "a" * 101, "é" * 100, "e\u0301" * 60]
        for t in fixed:
            out.write(t.encode().hex() + "\n")
        for i in range(args.texts - len(fixed)):
            max_pieces = rng.choice([3, 10, 40, 150])
            out.write(text(rng, 0, max_pieces).encode().hex() + "\n")
    with open(os.path.join(args.out_dir, "pairs.hex"), "w") as out:
        for i in range(args.pairs):
            question = text(rng, 0, rng.choice([4, 12, 40]))
            context = text(rng, 0, rng.choice([20, 80, 300]))
            out.write(question.encode().hex() + "\t" + context.encode().hex() + "\n")


if __name__ == "__main__":
    main()
