#!/usr/bin/env python3
"""Reference oracle for `metaclip metadata build` (tests only; Python 3 standard library, no network).

Written for this project from the published description of MetaCLIP 2's metadata recipe
(facebookresearch/MetaCLIP, metaclip/metadata: build_ngram.py, build_title.py, build_metadata.py), not
copied from it. It builds ONE language's list from small source files and prints it as a JSON array.

Rules, as the reference has them:
  * punctuation: Python's string.punctuation plus the reference's CJK marks;
  * wiki text: per file, HTML tags removed; a language with spaces is tokenized by white space, every
    CJK/Thai/Lao/Myanmar/Khmer/Tibetan character and every punctuation character being a token of its
    own; a language without spaces (here: ja, through `mecab -Owakati` with IPADIC) is split at white
    space and each piece segmented; tokens are stripped, empty ones passed over, pure punctuation (and,
    without spaces, "weird" tokens) skipped and breaking the bigram chain; the chain runs over the file;
  * list: numbers 0-99; WordNet lemmas (distinct, sorted; '+' removed in zh/ja/fr; stripped; no empty or
    pure-punctuation one); unigrams by count, adding until cap NEW entries were added, cap =
    min(251465, int(0.1 * number of unigrams as counted)); bigrams with PMI > threshold by PMI (joined
    without the space in no-space languages), cap = min(100646, number of bigrams); titles by views,
    cap = min(61235, int(0.76 * number of titles)); entries from n-grams and titles stripped, at most
    256 code points, not pure punctuation; the count is checked after each addition.
Choices of ours that the builder shares (documented in the README):
  * ties are broken in UTF-16 code unit order (the reference leaves them to dict order);
  * a lone combining mark is never a token or entry; in a language with spaces a single
    Thai/Lao/Myanmar/Khmer/Tibetan character is not a word; in a no-space language a single character that
    is not a letter or number is not a word (each breaks the chain);
  * pageview domains: only `xx` and `xx.m` (Wikipedia) count;
  * frequency lists (`WORD COUNT` lines) add unigram counts.

usage: reference_oracle.py LANG --pmi-threshold X [--wordnet F]... [--wiki F]... [--counts F]... [--pageviews F]...
       [--mecab-dicdir DIR]
"""
import argparse
import gzip
import json
import math
import re
import string
import subprocess
import sys
import unicodedata
from collections import defaultdict

EXTRA = set("，。、；：？¿！“”‘’（）【】《》〈〉「」『』～—")
NO_SPACE = {"bo", "dz", "ja", "km", "lo", "my", "ryu", "th", "zh", "zh_classical", "zh_yue"}
PAIRS = [("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("‘", "’"), ("（", "）"), ("【", "】"), ("《", "》"),
         ("〈", "〉"), ("「", "」"), ("『 ", "』")]
WORDLIKE = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"}


def is_punct(c):
    return c in string.punctuation or c in EXTRA


def pure_punct(s):
    return all(is_punct(c) for c in s)


def syllabic(cp):
    return 0x0E00 <= cp <= 0x0EFF or 0x1000 <= cp <= 0x109F or 0x1780 <= cp <= 0x17FF or 0x0F00 <= cp <= 0x0FFF


def own_token(c):
    cp = ord(c)
    cjk = (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2EBEF or 0xF900 <= cp <= 0xFAFF
           or 0x2E80 <= cp <= 0x2FDF or 0x2FF0 <= cp <= 0x2FFF)
    return cjk or syllabic(cp) or is_punct(c)


def lone_mark(s):
    return len(s) == 1 and unicodedata.category(s) in ("Mn", "Mc", "Me")


def utf16(s):
    return s.encode("utf-16-be")


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="\n") as f:
        return f.read().split("\n")


def tokens_spaced(text):
    out, cur = [], []
    for c in text:
        if own_token(c):
            if cur:
                out.append("".join(cur))
                cur = []
            out.append(c)
        elif c.isspace():
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


def tokens_mecab(text, dicdir):
    pieces = text.split()
    if not pieces:
        return []
    run = subprocess.run(["mecab", "-Owakati", "-d", dicdir], input="\n".join(pieces) + "\n",
                         capture_output=True, text=True, check=True)
    return [t for line in run.stdout.split("\n") for t in line.split()]


def weird(token):
    if is_punct(token[0]):
        return True
    return any((a in token) != (b in token) for a, b in PAIRS)


def not_a_word(token, lang):
    if lone_mark(token):
        return True
    if len(token) != 1:
        return False
    if lang in NO_SPACE:
        return unicodedata.category(token) not in WORDLIKE
    return syllabic(ord(token))


def count_file(path, lang, uni, bi, dicdir):
    text = "\n".join(re.sub(r"(&lt;.*?&gt;|<.*?>)", "", line) for line in read_lines(path))
    toks = tokens_mecab(text, dicdir) if lang in NO_SPACE else tokens_spaced(text)
    prev = None
    for t in toks:
        t = t.strip()
        if not t:
            continue
        if pure_punct(t) or (lang in NO_SPACE and weird(t)) or not_a_word(t, lang):
            prev = None
            continue
        uni[t] += 1
        if prev is not None:
            bi[(prev, t)] += 1
        prev = t


def clean(m):
    m = m.strip()
    if not m or len(m) > 256 or pure_punct(m) or lone_mark(m):
        return None
    return m


def capped(metadata, ranked, cap):
    n = 0
    for m in ranked:
        m = clean(m)
        if m is None or m in metadata:
            continue
        metadata[m] = True
        n += 1
        if n >= cap:
            break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lang")
    ap.add_argument("--pmi-threshold", type=float, default=30.0)
    ap.add_argument("--wordnet", action="append", default=[])
    ap.add_argument("--wiki", action="append", default=[])
    ap.add_argument("--counts", action="append", default=[])
    ap.add_argument("--pageviews", action="append", default=[])
    ap.add_argument("--mecab-dicdir", default="/var/lib/mecab/dic/ipadic-utf8")
    a = ap.parse_args()
    lang = a.lang

    lemmas = set()
    for path in a.wordnet:
        for line in read_lines(path):
            if not line or line.startswith("#"):
                continue
            f = line.split("\t")
            if f[1].split(":")[-1] == "lemma":
                lemmas.add(f[2].replace("_", " "))

    uni, bi = defaultdict(int), defaultdict(int)
    for path in a.counts:
        for line in read_lines(path):
            if line:
                word, count = line.rsplit(" ", 1)
                uni[word] += int(count)
    for path in a.wiki:
        count_file(path, lang, uni, bi, a.mecab_dicdir)

    titles = defaultdict(int)
    for path in a.pageviews:
        for line in read_lines(path):
            line = line.strip()
            if not line or line.startswith('"" '):
                continue
            f = line.split(" ")
            domain = f[0][:-2] if f[0].endswith(".m") else f[0]
            if len(f) != 4 or domain.replace("-", "_") != lang:
                continue
            title, views = f[1].strip().replace("_", " "), int(f[2])
            if views == 0 or ":" in title:
                continue
            titles[title] += views

    metadata = {str(n): True for n in range(100)}
    for m in sorted(lemmas):
        if lang in ("zh", "ja", "fr"):
            m = m.replace("+", "")
        m = m.strip()
        if m and not pure_punct(m) and not lone_mark(m) and m not in metadata:
            metadata[m] = True

    words = sum(uni.values())
    capped(metadata, [w for w, _ in sorted(uni.items(), key=lambda kv: (-kv[1], utf16(kv[0])))],
           min(251465, int(len(uni) * 0.1)))
    pmi = []
    for (x, y), c in bi.items():
        p = math.log2(float(c) * float(words) / (float(uni[x]) * float(uni[y])))
        if p > a.pmi_threshold:
            pmi.append((x + " " + y, p))
    pmi.sort(key=lambda kv: (-kv[1], utf16(kv[0])))
    join = (lambda s: "".join(s.split(" "))) if lang in NO_SPACE else (lambda s: s)
    capped(metadata, [join(s) for s, _ in pmi], min(100646, len(bi)))
    capped(metadata, [t for t, _ in sorted(titles.items(), key=lambda kv: (-kv[1], utf16(kv[0])))],
           min(61235, int(len(titles) * 0.76)))
    json.dump(list(metadata), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
