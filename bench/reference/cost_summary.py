#!/usr/bin/env python3
"""The summary of bench/run-cost-benchmark.sh from its work folder (runs.tsv, profiles/): medians of the interleaved
runs, CPU-s (user + sys) per million texts end to end and marginal (minus a 1,000-text run), the ratio to the
Python pipeline, the cost per billion texts at an assumed price, and the phases. Markdown on standard output.

    /usr/bin/python3 bench/reference/cost_summary.py WORK_DIR
"""
import glob, json, os, re, statistics, sys
w = sys.argv[1]
rows = [l.split() for l in open(f"{w}/runs.tsv")]
repeat = int(open(f"{w}/repeat").read()) if os.path.exists(f"{w}/repeat") else 1  # REPEAT: the caption corpus N times over
n = {"ml": 508857 * repeat, "en": 200000, "ml-1k": 1000, "en-1k": 1000}
def med(v, d, i):
    return statistics.median(float(r[i]) for r in rows if r[0] == v and r[1] == d)
def cpu(v, d):
    return statistics.median(float(r[4]) + float(r[5]) for r in rows if r[0] == v and r[1] == d)
loads = [float(r[7]) for r in rows]
print(f"runs: {len(rows)}; load average (1 min) at the runs' starts: min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f}")
names = {"python": "Python: fastText + pyahocorasick + NumPy, 1 core", "engine": "metaclip curate --engine-only",
         "engine-1core": "metaclip curate --engine-only, 1 core (taskset, as the Python run)",
         "embedded": "metaclip curate (embedded cluster)", "engine-r2r": "metaclip curate --engine-only, ReadyToRun",
         "embedded-r2r": "metaclip curate (embedded), ReadyToRun"}
for d, title in (("ml", f"caption corpus{f' {repeat} times over' if repeat > 1 else ''}, {n['ml']:,} texts, LID on"), ("en", "synth-en-200k, --lang-column")):
    print(f"\n{title} (medians of {sum(1 for r in rows if r[0] == 'python' and r[1] == d)} runs)")
    print("| pipeline | wall s | CPU s (user+sys) | max RSS MB | CPU-s per 1M texts | marginal CPU-s per 1M (minus a 1,000-text run) | Python / this, end to end | marginal |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    pe = cpu("python", d) / n[d] * 1e6
    pm = (cpu("python", d) - cpu("python", d + "-1k")) / (n[d] - 1000) * 1e6
    for v in names:
        e = cpu(v, d) / n[d] * 1e6
        m = (cpu(v, d) - cpu(v, d + "-1k")) / (n[d] - 1000) * 1e6
        print(f"| {names[v]} | {med(v, d, 3):.2f} | {cpu(v, d):.2f} | {med(v, d, 6) / 1024:.0f} | {e:.2f} | {m:.2f} | {pe / e:.2f}× | {pm / m:.2f}× |")
    print(f"fixed cost (a 1,000-text run): " + ", ".join(f"{v} {cpu(v, d + '-1k'):.2f} CPU-s" for v in names))
    print("cost per billion texts (marginal CPU-s, at an ASSUMED $0.04 per vCPU-hour):")
    for v in names:
        m = (cpu(v, d) - cpu(v, d + "-1k")) / (n[d] - 1000) * 1e6
        h = m * 1000 / 3600
        print(f"  {names[v]}: {h:,.1f} CPU-hours per 1B texts = ${h * 0.04:,.2f}")
    print("phases (median seconds; ours: report.json timings_seconds, wall-clock, both cores; Python: CPU seconds per stage, one core, and its wall):")
    for v in names:
        profs = [json.load(open(p)) for p in sorted(glob.glob(f"{w}/profiles/{v}-{d}-*.json"))
                 if re.fullmatch(rf"{v}-{d}-\d+\.json", os.path.basename(p))]
        keys = list(profs[0])
        print(f"  {v}: " + ", ".join(f"{k} {statistics.median(p.get(k, 0) for p in profs):.2f}" for k in keys))
