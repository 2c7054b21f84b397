#!/usr/bin/env python3
"""Issue 21's before/after measurement helper (standard library only).

  caption-match-rates.py snapshot CAPTIONS.tsv.gz OUT.jsonl
      the caption corpus (columns source, split, lang, image_id, url, text) as a curate snapshot: one image per
      row (uuid = row number), its own language label as `lang` ('und' rows left out: no label).
  caption-match-rates.py table BEFORE_CURATE_OUT AFTER_CURATE_OUT [TOP]
      per language: texts, matched texts and match rate before and after, and the TOP (20) most matched
      entries of each (from thresholds.json and entry_counts/{lang}.jsonl), as Markdown.
"""
import gzip
import json
import sys


def snapshot(src, dst):
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        next(f)
        for i, line in enumerate(f):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 6 or cols[2] == "und" or not cols[5].strip():
                continue
            out.write(json.dumps({"uuid": f"{i:024x}", "url": cols[4], "text": cols[5], "lang": cols[2]}, ensure_ascii=False) + "\n")
            n += 1
    print(f"{n} rows", file=sys.stderr)


def load(folder):
    with open(f"{folder}/thresholds.json", encoding="utf-8") as f:
        t = json.load(f)
    langs = t.get("languages", t)
    return {k: v for k, v in langs.items() if isinstance(v, dict) and "texts" in v}


def top(folder, lang, k):
    try:
        with open(f"{folder}/entry_counts/{lang}.jsonl", encoding="utf-8") as f:
            rows = [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []
    rows.sort(key=lambda r: (-r["count"], r["id"]))
    return [(r["entry"], r["count"]) for r in rows[:k]]


def table(before, after, k):
    b, a = load(before), load(after)
    print("| lang | texts | matched before | rate before | matched after | rate after |")
    print("|---|---:|---:|---:|---:|---:|")
    for lang in sorted(set(b) | set(a), key=lambda l: -(a.get(l) or b.get(l))["texts"]):
        x, y = b.get(lang, {}), a.get(lang, {})
        texts = (y or x)["texts"]
        if texts == 0:
            continue
        def rate(v):
            return f"{100.0 * v.get('matched_texts', 0) / texts:.1f} %" if v else "–"
        print(f"| {lang} | {texts:,} | {x.get('matched_texts', 0):,} | {rate(x)} | {y.get('matched_texts', 0):,} | {rate(y)} |")
    print()
    print(f"Top {k} matched entries per language (entry ×texts), before → after:")
    print()
    for lang in sorted(set(b) | set(a), key=lambda l: -(a.get(l) or b.get(l))["texts"]):
        if (a.get(lang) or b.get(lang))["texts"] == 0:
            continue
        fmt = lambda rows: ", ".join(f"`{e}` {c:,}" for e, c in rows) or "–"
        print(f"- **{lang}** before: {fmt(top(before, lang, k))}")
        print(f"  after: {fmt(top(after, lang, k))}")


if __name__ == "__main__":
    if sys.argv[1] == "snapshot":
        snapshot(sys.argv[2], sys.argv[3])
    else:
        table(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 20)
