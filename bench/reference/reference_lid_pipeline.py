#!/usr/bin/env python3
"""Upstream-style MetaCLIP 2 curation in Python, end to end, with language identification — the side-by-side
reference of bench/RESULTS.md, "Cost per billion texts (issue 17)". Written for this project's benchmarks (not
the upstream code), the way the MetaCLIP reference does it: fastText's Python module for LID (one
`model.predict` per text, top-1, no threshold), one pyahocorasick automaton per metadata language,
NumPy for counts, thresholds and probabilities, NumPy's generator for the draw. One process, one core.

    /usr/bin/python3 bench/reference/reference_lid_pipeline.py METADATA_DIR SNAPSHOT.jsonl(.gz) OUT_DIR \
        (--lid-model lid.176.ftz | --lang-column NAME) [--t-en 170000] [--labels FILE]
    /usr/bin/python3 bench/reference/reference_lid_pipeline.py snapshot CAPTIONS.tsv.gz OUT.jsonl [LIMIT]
    /usr/bin/python3 bench/reference/reference_lid_pipeline.py compare OURS_OUT REF_OUT

METADATA_DIR holds `{lang}.json` lists and `lid_map.json` (as `metaclip metadata build` writes them; without
one, the engine's built-in lid176_map.json is read). Rules (docs/curation-spec.md §1–§5): strip, LID on the text
with \\n/\\r as spaces, label → metadata language (with the built-in map a target without a list → `other`), spaced text, padded entries,
the set of matched ids per text, global counts, `p` from English, `t_lang` per language, float32 probabilities,
one text chosen per image and a keep draw. The draw is NumPy's (seeded), not the project's counter-based one, so
decisions differ; counts, `p` and `t_lang` are comparable exactly (`compare`).

Prints the CPU time of each stage (process CPU seconds, user + sys: the fair measure on a shared machine) — load,
build, LID, matching, counting, thresholds, sampling + writing — and the wall time, and writes `stages.json`,
`summary.json` (per language: texts, matched_texts, matches, t), `entry_counts/{lang}.jsonl`,
`decisions.jsonl`, `curated.jsonl`, and with --labels one LID label per non-skipped text.
`snapshot` turns the caption corpus (columns source, split, lang, image_id, url, text) into a JSONL snapshot:
every row with a non-blank text, uuid = row number, its label as `lang` (kept for reference, not used with LID).
Needs Debian's python3-fasttext, python3-ahocorasick and python3-numpy.
"""
import gzip, json, os, sys, time
import numpy as np

PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：？！“”‘’（）【】《》〈〉「」『』～—")
RANGES = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
          (0x2B820, 0x2CEAF), (0x2CEB0, 0x2EBEF), (0xF900, 0xFAFF), (0x2E80, 0x2EFF), (0x2F00, 0x2FDF),
          (0x2FF0, 0x2FFF), (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x0F00, 0x0FFF)]


def opener(path, mode="rt"):
    return gzip.open(path, mode, encoding="utf-8") if path.endswith(".gz") else open(path, mode, encoding="utf-8")


def special(ch):
    cp = ord(ch)
    return ch in PUNCT or any(a <= cp <= b for a, b in RANGES)


def pad(entry):
    return ("" if special(entry[0]) else " ") + entry + ("" if special(entry[-1]) else " ")


SPACING = str.maketrans({",": " , ", ".": " . ", ";": " ; ", ":": " : ", "?": " ? ", "!": " ! ", "`": " ` ",
                         "\t": " ", "\n": " ", "\r": " "})


def snapshot(src, dst, limit=None):
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        next(f)
        for i, line in enumerate(f):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 6 or not cols[5].strip():
                continue
            out.write(json.dumps({"uuid": f"{i:024x}", "url": cols[4], "text": cols[5], "lang": cols[2]},
                                 ensure_ascii=False) + "\n")
            n += 1
            if limit and n >= limit:
                break
    print(f"{n} rows", file=sys.stderr)


def curate(meta_dir, snap, out_dir, lid_model, lang_column, t_en, labels_path, seed=0):
    clock = {}
    wall0 = time.perf_counter()
    t0 = time.process_time()

    # load: metadata lists, lid map, snapshot rows
    langs = sorted(f[:-5] for f in os.listdir(meta_dir)
                   if f.endswith(".json") and f not in ("lid_map.json", "manifest.json"))
    lists = {}
    for lang in langs:
        with open(os.path.join(meta_dir, f"{lang}.json"), encoding="utf-8") as f:
            lists[lang] = json.load(f)
    map_path = os.path.join(meta_dir, "lid_map.json")
    explicit = os.path.exists(map_path)
    if not explicit:
        map_path = os.path.join(os.path.dirname(__file__), "..", "..", "grains", "MetaClip.Engine", "Lid", "lid176_map.json")
    with open(map_path, encoding="utf-8") as f:
        lid_map = json.load(f)
    rows = []  # (uuid, url, text, label)
    with opener(snap) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            text = r.get("text")
            if text is None or not text.strip():
                continue
            rows.append((r.get("uuid") or r.get("url"), r.get("url"), text, r.get(lang_column) if lang_column else None))
    clock["load"] = time.process_time() - t0

    # build: one automaton per language
    t = time.process_time()
    import ahocorasick
    automata = {}
    for lang, entries in lists.items():
        a = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for i, e in enumerate(entries):
            a.add_word(pad(e), i)
        a.make_automaton()
        automata[lang] = a
    clock["build"] = time.process_time() - t

    # LID: fastText's Python module, one predict per text (as the reference calls it)
    t = time.process_time()
    if lid_model:
        import fasttext
        fasttext.FastText.eprint = lambda *a, **k: None  # load_model's deprecation warning
        model = fasttext.load_model(lid_model)
        labels = []
        for _, _, text, _ in rows:
            got = model.predict(text.replace("\n", " ").replace("\r", " ").strip())[0]
            labels.append(got[0][9:] if got else "")
    else:
        labels = [lab or "" for _, _, _, lab in rows]

    def to_lang(label):
        target = lid_map.get(label) if label else None
        if not target or target == "N/A":
            return "other"
        return target if explicit or target in lists else "other"
    cache = {}
    text_langs = [cache[l] if l in cache else cache.setdefault(l, to_lang(l)) for l in labels]
    clock["lid"] = time.process_time() - t

    # matching: the set of matched ids of each text in its own language's automaton
    t = time.process_time()
    matched = []
    for (_, _, text, _), lang in zip(rows, text_langs):
        a = automata.get(lang)
        if a is None:
            matched.append(())
            continue
        matched.append(sorted({i for _, i in a.iter(" " + text.strip().translate(SPACING) + " ")}))
    clock["match"] = time.process_time() - t

    # counting: NumPy, per language
    t = time.process_time()
    per_lang = {}
    for lang in lists:
        per_lang[lang] = {"ids": [], "texts": 0, "matched_texts": 0}
    for ids, lang in zip(matched, text_langs):
        s = per_lang.get(lang)
        if s is None:
            continue
        s["texts"] += 1
        if ids:
            s["matched_texts"] += 1
            s["ids"].extend(ids)
    counts = {lang: np.bincount(np.asarray(s["ids"], dtype=np.int64), minlength=len(lists[lang])).astype(np.uint64)
              for lang, s in per_lang.items()}
    clock["count"] = time.process_time() - t

    # thresholds: p from English, t_lang per language, float32 probabilities
    t = time.process_time()
    c_en = counts["en"]
    p = float(c_en[c_en < t_en].sum()) / float(c_en.sum())
    thresholds, probs = {}, {}
    for lang, c in counts.items():
        if lang == "en":
            thr = t_en
        else:
            s = np.sort(c)
            cum = np.cumsum(s)
            if cum[-1] == 0:
                continue
            thr = int(s[int(np.argmin(np.abs(cum.astype(np.float64) / float(cum[-1]) - p)))])
        thresholds[lang] = thr
        probs[lang] = (np.float64(thr) / np.maximum(c, thr).astype(np.float64)).astype(np.float32) if thr > 0 \
            else np.zeros(len(c), dtype=np.float32)
    clock["thresholds"] = time.process_time() - t

    # sampling and writing: one text per image (its matched texts), keep with 1 - prod(1 - prob)
    t = time.process_time()
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(out_dir, "entry_counts"), exist_ok=True)
    kept = 0
    with open(os.path.join(out_dir, "decisions.jsonl"), "w", encoding="utf-8") as dec, \
            open(os.path.join(out_dir, "curated.jsonl"), "w", encoding="utf-8") as cur:
        images = {}
        for k, (uuid, _, _, _) in enumerate(rows):
            images.setdefault(uuid, []).append(k)
        for uuid, ks in images.items():
            cands = [k for k in ks if matched[k] and text_langs[k] in probs]
            if not cands:
                continue
            k = cands[int(rng.random() * len(cands))]
            pr = probs[text_langs[k]]
            prod = 1.0
            for i in matched[k]:
                prod *= 1.0 - float(pr[i])
            prob = 1.0 - prod
            keep = rng.random() <= prob
            dec.write(json.dumps({"uuid": uuid, "text_index": ks.index(k), "lang": text_langs[k], "prob": prob,
                                  "kept": bool(keep)}) + "\n")
            if keep:
                kept += 1
                _, url, text, _ = rows[k]
                cur.write(json.dumps({"uuid": uuid, "url": url, "text": text, "lang": text_langs[k], "lid": labels[k],
                                      "entry_ids": list(matched[k]), "prob": prob}, ensure_ascii=False) + "\n")
    for lang, c in counts.items():
        with open(os.path.join(out_dir, "entry_counts", f"{lang}.jsonl"), "w", encoding="utf-8") as f:
            for i in np.nonzero(c)[0]:
                f.write(json.dumps({"id": int(i), "entry": lists[lang][i], "count": int(c[i])}, ensure_ascii=False) + "\n")
    summary = {lang: {"texts": s["texts"], "matched_texts": s["matched_texts"], "matches": int(counts[lang].sum()),
                      "t": thresholds.get(lang)} for lang, s in per_lang.items()}
    other = sum(1 for l in text_langs if l not in lists)
    with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"t_en": t_en, "p": p, "texts": len(rows), "other_texts": other, "kept": kept,
                   "languages": summary}, f, indent=1)
    if labels_path:
        with open(labels_path, "w", encoding="utf-8") as f:
            f.writelines(l + "\n" for l in labels)
    clock["sample_write"] = time.process_time() - t
    clock["total"] = time.process_time() - t0
    clock["wall"] = time.perf_counter() - wall0

    print(f"texts {len(rows):,}; lists {len(lists)}, entries {sum(len(v) for v in lists.values()):,}; "
          f"kept {kept:,}; p = {p!r}")
    print("stages (CPU s of the process; wall is wall-clock): " + ", ".join(f"{k} {v:.2f}" for k, v in clock.items()))
    n = len(rows)
    print(f"LID {n / clock['lid']:,.0f} texts/s; matching {n / clock['match']:,.0f} texts/s")
    with open(os.path.join(out_dir, "stages.json"), "w") as f:
        json.dump(clock, f)


def compare(ours, ref):
    """Per-language texts, matched_texts, matches, t and every entry count: ours (metaclip's out folder) vs ref."""
    with open(os.path.join(ours, "thresholds.json"), encoding="utf-8") as f:
        o = json.load(f)
    with open(os.path.join(ref, "summary.json"), encoding="utf-8") as f:
        r = json.load(f)
    ok = o["p"] == r["p"]
    print(f"p: ours {o['p']!r}, reference {r['p']!r}: {'equal' if ok else 'DIFFERENT'}")
    t_lang = dict(o.get("t_lang") or {})
    t_lang.setdefault("en", o.get("t_en"))
    diff_langs = []
    for lang, rs in sorted(r["languages"].items()):
        os_ = o["languages"].get(lang, {})
        same = all(os_.get(k, 0) == rs[k] for k in ("texts", "matched_texts", "matches"))
        if rs["t"] is not None and t_lang.get(lang) != rs["t"]:
            same = False
        a = b = []
        pa, pb = os.path.join(ours, "entry_counts", f"{lang}.jsonl"), os.path.join(ref, "entry_counts", f"{lang}.jsonl")
        if os.path.exists(pa):
            with open(pa, encoding="utf-8") as f:
                a = [(d["id"], d["count"]) for d in map(json.loads, f) if d["count"]]
        if os.path.exists(pb):
            with open(pb, encoding="utf-8") as f:
                b = [(d["id"], d["count"]) for d in map(json.loads, f)]
        if a != b or not same:
            diff_langs.append(lang)
    langs = len(r["languages"])
    print(f"languages with lists: {langs}; texts/matched_texts/matches/t_lang and every entry count equal in "
          f"{langs - len(diff_langs)}" + (f"; DIFFERENT: {diff_langs}" if diff_langs else ""))
    return ok and not diff_langs


def main():
    a = sys.argv[1:]
    if a[0] == "snapshot":
        return snapshot(a[1], a[2], int(a[3]) if len(a) > 3 else None)
    if a[0] == "compare":
        sys.exit(0 if compare(a[1], a[2]) else 1)
    opts = {"--lid-model": None, "--lang-column": None, "--t-en": "170000", "--labels": None}
    pos = []
    i = 0
    while i < len(a):
        if a[i] in opts:
            opts[a[i]] = a[i + 1]
            i += 2
        else:
            pos.append(a[i])
            i += 1
    if (opts["--lid-model"] is None) == (opts["--lang-column"] is None):
        sys.exit("give exactly one of --lid-model, --lang-column")
    curate(pos[0], pos[1], pos[2], opts["--lid-model"], opts["--lang-column"], int(opts["--t-en"]), opts["--labels"])


if __name__ == "__main__":
    main()
