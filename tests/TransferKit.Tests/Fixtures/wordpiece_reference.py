"""Independent reference of BERT's uncased tokenization (Google's BERT tokenization.py and Hugging Face's
BertTokenizer, slow version, with split_special_tokens=True): basic tokenization then greedy WordPiece.

Written from the algorithm (the `transformers` package is not available here), for parity with
TransferKit.Text.BertTokenizer. Usage: wordpiece_reference.py VOCAB INPUT_JSON OUTPUT_JSON
INPUT_JSON: {"items": [{"text": str, "pair": str or null, "max_length": int}, ...]}
OUTPUT_JSON: {"tokens": [[str]], "ids": [[int]], "type_ids": [[int]]} (ids with [CLS]/[SEP], truncated)
"""
import json
import sys
import unicodedata


def is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def clean(text):
    out = []
    for ch in text:
        if ord(ch) == 0 or ord(ch) == 0xFFFD or is_control(ch):
            continue
        out.append(" " if is_whitespace(ch) else ch)
    return "".join(out)


def space_cjk(text):
    return "".join(f" {ch} " if is_cjk(ord(ch)) else ch for ch in text)


def strip_accents(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def split_punctuation(token):
    pieces, current = [], []
    for ch in token:
        if is_punctuation(ch):
            if current:
                pieces.append("".join(current))
                current = []
            pieces.append(ch)
        else:
            current.append(ch)
    if current:
        pieces.append("".join(current))
    return pieces


def basic_tokenize(text):
    text = unicodedata.normalize("NFC", space_cjk(clean(text)))
    pieces = []
    for token in text.split():
        pieces.extend(split_punctuation(strip_accents(token.lower())))
    return " ".join(pieces).split()


def wordpiece(word, vocab, max_chars=100):
    chars = list(word)
    if len(chars) > max_chars:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(chars):
        end, found = len(chars), None
        while start < end:
            piece = ("##" if start > 0 else "") + "".join(chars[start:end])
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def tokenize(text, vocab):
    return [p for word in basic_tokenize(text) for p in wordpiece(word, vocab)]


def truncate_pair(a, b, budget):
    # longest_first: drop one token at a time from the longer list (from the second one on a tie).
    a, b = list(a), list(b)
    while len(a) + len(b) > budget:
        if len(a) > len(b):
            a.pop()
        else:
            b.pop()
    return a, b


def main():
    vocab_path, input_path, output_path = sys.argv[1:4]
    with open(vocab_path, encoding="utf-8") as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    with open(input_path, encoding="utf-8") as f:
        request = json.load(f)
    unk = vocab["[UNK]"]
    out = {"tokens": [], "ids": [], "type_ids": []}
    for item in request["items"]:
        max_length = item["max_length"]
        a = tokenize(item["text"], vocab)
        if item.get("pair") is None:
            a = a[:max_length - 2]
            tokens, types = ["[CLS]"] + a + ["[SEP]"], [0] * (len(a) + 2)
        else:
            a, b = truncate_pair(a, tokenize(item["pair"], vocab), max_length - 3)
            tokens = ["[CLS]"] + a + ["[SEP]"] + b + ["[SEP]"]
            types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
        out["tokens"].append(tokens)
        out["ids"].append([vocab.get(t, unk) for t in tokens])
        out["type_ids"].append(types)
    with open(output_path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
