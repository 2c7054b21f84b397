#!/usr/bin/env python3
"""Shares of perf samples by category, from `perf report --no-children --sort dso,sym --stdio` lines (stdin or a
file), for bench/run-cost-benchmark.sh's profile of `metaclip curate` (JIT client, symbols from the perf map that
DOTNET_PerfMapEnabled=1 writes). Prints a Markdown table."""
import re, sys, collections
cats = collections.OrderedDict((k, 0.0) for k in [
    "LID (MetaClip.Engine.Lid)", "matching (MetaClip.Engine.Matching, spacing, strip)", "JSON read/parse, UTF-8, output formatting",
    "sampling, counting, other engine code", "other managed code (CoreLib, collections, hashing)", "GC and runtime (libcoreclr)",
    "JIT compiler (libclrjit)", "memset/memmove (libc)", "kernel (page faults, I/O, scheduling)", "other native"])
for line in (open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin):
    m = re.match(r'\s+([0-9.]+)%\s+(\S+(?: \S+)*?)\s+\[(.)\]\s+(.*)', line)
    if not m: continue
    pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4)
    if kind == 'k' or 'kernel' in dso: c = "kernel (page faults, I/O, scheduling)"
    elif 'libcoreclr' in dso: c = "GC and runtime (libcoreclr)"
    elif 'libclrjit' in dso: c = "JIT compiler (libclrjit)"
    elif 'libc.so' in dso: c = "memset/memmove (libc)"
    elif 'MetaClip.Engine.Lid' in sym: c = "LID (MetaClip.Engine.Lid)"
    elif 'MetaClip.Engine.Matching' in sym or 'CurationText' in sym: c = "matching (MetaClip.Engine.Matching, spacing, strip)"
    elif re.search(r'Json|Utf8|Unicode|Ascii|Snapshots|StringBuilder|Encoding', sym): c = "JSON read/parse, UTF-8, output formatting"
    elif 'MetaClip' in sym: c = "sampling, counting, other engine code"
    elif dso.startswith('[JIT]') or dso.endswith('.dll') or '[.]' in line: c = "other managed code (CoreLib, collections, hashing)" if dso.startswith('[JIT]') or dso.endswith('.dll') else "other native"
    else: c = "other native"
    cats[c] += pct
for k, v in cats.items(): print(f"| {k} | {v:.1f} % |")
