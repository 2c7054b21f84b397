#!/usr/bin/env python3
"""Side-by-side reference for bench/RESULTS.md: the curation spec in Python the way the MetaCLIP reference
does it — pyahocorasick (C) for matching, NumPy for counts and thresholds — written for this project's
benchmarks (not the upstream code). One process, one core.

    /usr/bin/python3 bench/reference/reference_pipeline.py EN_JSON(.gz) TEXTS_JSONL(.gz) OUT_DIR T_EN

Prints timings (load, automaton build, matching texts/s, thresholds, total) and writes thresholds.json and
decisions-free counts (entry_counts/en.jsonl) so the C# outputs can be compared with them.
Needs Debian's python3-ahocorasick and python3-numpy.
"""
import gzip, json, os, resource, sys, time
import ahocorasick
import numpy as np

PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：？！“”‘’（）【】《》〈〉「」『』～—")

def opener(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")

def is_cjk(ch):
    cp = ord(ch)
    ranges = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
              (0x2B820, 0x2CEAF), (0x2CEB0, 0x2EBEF), (0xF900, 0xFAFF), (0x2E80, 0x2EFF), (0x2F00, 0x2FDF),
              (0x2FF0, 0x2FFF), (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x0F00, 0x0FFF)]
    return ch in PUNCT or any(a <= cp <= b for a, b in ranges)

def pad(entry):
    return ("" if is_cjk(entry[0]) else " ") + entry + ("" if is_cjk(entry[-1]) else " ")

def spaced(text):
    s = " " + text.strip() + " "
    for c in ",.;:?!`":
        s = s.replace(c, " " + c + " ")
    return s.replace("\t", " ").replace("\n", " ").replace("\r", " ")

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def main():
    meta_path, texts_path, out_dir, t_en = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    t0 = time.perf_counter()
    with opener(meta_path) as f:
        entries = json.load(f)
    texts = [json.loads(line)["text"] for line in opener(texts_path) if line.strip()]
    t_load = time.perf_counter() - t0

    rss_before = rss_mb()
    t1 = time.perf_counter()
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for i, e in enumerate(entries):
        automaton.add_word(pad(e), i)
    automaton.make_automaton()
    t_build = time.perf_counter() - t1
    rss_build = rss_mb() - rss_before

    t2 = time.perf_counter()
    counts = np.zeros(len(entries), dtype=np.uint64)
    matched = []
    for text in texts:
        if not text.strip():
            continue
        ids = sorted({i for _, i in automaton.iter(spaced(text))})
        matched.append(ids)
    t_match = time.perf_counter() - t2
    for ids in matched:
        if ids:
            counts[ids] += 1

    t3 = time.perf_counter()
    total = counts.sum()
    p = float(counts[counts < t_en].sum()) / float(total)
    probs = (t_en / np.maximum(counts, t_en).astype(np.float64)).astype(np.float32)
    t_thr = time.perf_counter() - t3

    os.makedirs(os.path.join(out_dir, "entry_counts"), exist_ok=True)
    with open(os.path.join(out_dir, "thresholds.json"), "w") as f:
        json.dump({"t_en": t_en, "p": p, "matches": int(total)}, f)
    with open(os.path.join(out_dir, "entry_counts", "en.jsonl"), "w", encoding="utf-8") as f:
        for i in np.nonzero(counts)[0]:
            f.write(json.dumps({"id": int(i), "entry": entries[i], "count": int(counts[i]), "prob": float(probs[i])}, ensure_ascii=False) + "\n")
    t_total = time.perf_counter() - t0

    print(f"texts {len(texts):,}; entries {len(entries):,}")
    print(f"load {t_load:.2f} s; build {t_build:.2f} s (+{rss_build:.0f} MB max RSS); "
          f"match {t_match:.2f} s = {len(texts) / t_match:,.0f} texts/s; thresholds {t_thr:.3f} s; total {t_total:.2f} s")
    print(f"p = {p!r}; matches = {int(total)}")

if __name__ == "__main__":
    main()
