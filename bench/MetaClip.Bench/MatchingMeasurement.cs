using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using MetaClip.Engine;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Bench;

/// <summary>
/// A measured run of the matcher alone: automaton build time and size for a metadata list, then matching
/// throughput on one thread and on N threads, with allocations per text. Inputs: <c>en.json</c> (or .gz)
/// and a JSONL(.gz) of texts.
/// </summary>
internal static class MatchingMeasurement
{
    public static int Run(string metadataPath, string textsPath, int rounds)
    {
        var entries = LoadList(metadataPath);
        var texts = LoadTexts(textsPath);
        Console.WriteLine($"entries: {entries.Count:N0}; texts: {texts.Length:N0} (mean {texts.Average(t => t.Length):0.0} chars)");

        // Build: time and the growth of the managed heap it causes.
        var list = new MetadataList("en", entries, "en.json");
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long before = GC.GetTotalMemory(true);
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        // The layout a metadata set of this one list gives it under the default budget.
        // METACLIP_BENCH_LAYOUT=Strings (or Records) measures that layout instead.
        var layout = Enum.TryParse<SpaceBoundedLayout>(Environment.GetEnvironmentVariable("METACLIP_BENCH_LAYOUT"), out var forced)
            ? forced
            : RecordBudget.Assign([list], CurationMode.V2, RecordBudget.DefaultBytes)[list.Language];
        var watch = Stopwatch.StartNew();
        var matcher = new EntryMatcher(list, CurationMode.V2, layout);
        double buildSeconds = watch.Elapsed.TotalSeconds;
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long after = GC.GetTotalMemory(true);
        long rssAfter = Process.GetCurrentProcess().WorkingSet64;
        Console.WriteLine($"layout: {layout} ({EntryMatcher.RecordBytes(list, CurationMode.V2) / 1048576.0:0.0} MiB of records; budget {RecordBudget.DefaultBytes / 1048576.0:N0} MiB)");
        Console.WriteLine($"build: {buildSeconds:0.000} s; automaton arrays {matcher.SizeInBytes / 1048576.0:0.0} MiB; retained heap +{(after - before) / 1048576.0:0.0} MiB; working set +{(rssAfter - rssBefore) / 1048576.0:0.0} MiB");

        // One thread.
        var scratch = new MatchScratch();
        long matches = 0;
        foreach (string t in texts)
        {
            matches += matcher.Match(t, scratch).Length;
        }

        Console.WriteLine($"matched ids: {matches:N0} ({(double)matches / texts.Length:0.00} per text)");
        double best = 0, bestCpu = 0;
        long allocated = 0;
        for (int r = 0; r < rounds; r++)
        {
            long allocBefore = GC.GetAllocatedBytesForCurrentThread();
            double cpuBefore = ThreadCpu.Seconds();
            watch.Restart();
            foreach (string t in texts)
            {
                matcher.Match(t, scratch);
            }

            double rate = texts.Length / watch.Elapsed.TotalSeconds;
            double cpuRate = texts.Length / (ThreadCpu.Seconds() - cpuBefore);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
            best = Math.Max(best, rate);
            bestCpu = Math.Max(bestCpu, cpuRate);
            Console.WriteLine($"  1 thread, round {r + 1}: {rate:N0} texts/s; {cpuRate:N0} texts per thread-CPU-second");
        }

        Console.WriteLine($"1 thread: best {best:N0} texts/s; allocated {allocated / (double)texts.Length:0.00} bytes per text");
        Console.WriteLine($"1 thread per CPU-second of the thread (load-independent): best {bestCpu:N0} texts/s/core");

        // The same texts once more, but only the first 1,000 of them, cycled: everything they touch is in
        // cache, so the gap to the figure above is the cost of memory, not of instructions.
        var hot = texts[..Math.Min(1000, texts.Length)];
        watch.Restart();
        for (int i = 0; i < texts.Length; i++)
        {
            matcher.Match(hot[i % hot.Length], scratch);
        }

        Console.WriteLine($"1 thread, 1,000 texts cycled (cache-resident): {texts.Length / watch.Elapsed.TotalSeconds:N0} texts/s");

        // Batches: texts matched two at a time (what the pipeline does).
        var ids = new List<int>(texts.Length * 8);
        var counts = new int[texts.Length];
        double bestBatch = 0;
        long batchAllocated = 0;
        for (int r = 0; r < rounds; r++)
        {
            ids.Clear();
            long allocBefore = GC.GetAllocatedBytesForCurrentThread();
            watch.Restart();
            matcher.MatchMany(texts, scratch, ids, counts);
            bestBatch = Math.Max(bestBatch, texts.Length / watch.Elapsed.TotalSeconds);
            batchAllocated = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
        }

        Console.WriteLine($"1 thread, batched (two texts at a time): best {bestBatch:N0} texts/s; allocated {batchAllocated / (double)texts.Length:0.00} bytes per text; ids {ids.Count:N0}");

        // A/B in the same process, rounds interleaved: the previous design (one automaton of every padded
        // entry) against the matcher (space-bounded index + automaton of the rest).
        var automaton = SubstringAutomaton.Build([.. entries.Select(e => EntryPadding.Pad(e, CurationMode.V2))]);
        var list2 = new MatchList(64);
        var spacedBuffer = new char[4096];
        double bestAutomaton = 0, bestMatcher = 0;
        for (int r = 0; r < rounds; r++)
        {
            watch.Restart();
            foreach (string t in texts)
            {
                var stripped = CurationText.Strip(t);
                int n = CurationText.WriteSpaced(stripped, spacedBuffer);
                list2.Clear();
                automaton.FindAll(spacedBuffer.AsSpan(0, n), ref list2);
                list2.SortDistinct();
            }

            bestAutomaton = Math.Max(bestAutomaton, texts.Length / watch.Elapsed.TotalSeconds);
            watch.Restart();
            foreach (string t in texts)
            {
                matcher.Match(t, scratch);
            }

            bestMatcher = Math.Max(bestMatcher, texts.Length / watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"A/B, 1 thread: automaton of all entries {bestAutomaton:N0} texts/s; matcher {bestMatcher:N0} texts/s (x{bestMatcher / bestAutomaton:0.00})");

        int cores = Environment.ProcessorCount;
        double bestParallel = 0;
        for (int r = 0; r < rounds; r++)
        {
            watch.Restart();
            int slice = (texts.Length + cores - 1) / cores;
            Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, part =>
            {
                int start = part * slice, end = Math.Min(texts.Length, start + slice);
                var mine = texts[start..end];
                matcher.MatchMany(mine, new MatchScratch(), new List<int>(mine.Length * 8), new int[mine.Length]);
            });
            bestParallel = Math.Max(bestParallel, texts.Length / watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"{cores} threads, batched: best {bestParallel:N0} texts/s (x{bestParallel / bestBatch:0.00} of one thread)");
        return 0;
    }

    internal static List<string> LoadList(string path)
    {
        using var stream = Open(path);
        return JsonSerializer.Deserialize<List<string>>(stream) ?? [];
    }

    internal static string[] LoadTexts(string path)
    {
        using var reader = new StreamReader(Open(path));
        var texts = new List<string>();
        while (reader.ReadLine() is string line)
        {
            if (line.Length > 0)
            {
                texts.Add(JsonDocument.Parse(line).RootElement.GetProperty("text").GetString() ?? string.Empty);
            }
        }

        return [.. texts];
    }

    private static Stream Open(string path)
    {
        Stream s = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(s, CompressionMode.Decompress) : s;
    }
}
