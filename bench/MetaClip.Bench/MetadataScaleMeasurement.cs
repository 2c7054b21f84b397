using System.Diagnostics;
using System.Text;
using MetaClip.Engine;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Bench;

/// <summary>
/// Worldwide-scale metadata: a synthetic set of <c>total</c> entries over <c>languages</c> languages (sizes
/// falling off like MetaCLIP 2's, at most 500,000 a language; each language in one script with that script's
/// entry lengths: Latin, Cyrillic, Greek, Arabic, Devanagari, Hangul words of 2–12 letters, one to three words;
/// Han, kana, Thai, Khmer, Lao, Myanmar entries of 1–6 characters without spaces). Measures the build of every
/// language's matcher, the resident memory of all lists and matchers together, and one language's load
/// (its JSON list parsed, its matcher built) for the largest list. Each list gets the layout a metadata set of
/// these lists gives it under the default record budget (<see cref="RecordBudget"/>).
/// </summary>
internal static class MetadataScaleMeasurement
{
    private sealed record Script(string Name, int First, int Count, bool Spaced);

    private static readonly Script[] Scripts =
    [
        new("Latin", 'a', 26, true), new("Cyrillic", 0x430, 32, true), new("Greek", 0x3B1, 24, true), new("Arabic", 0x628, 20, true),
        new("Devanagari", 0x915, 33, true), new("Hangul", 0xAC00, 2000, true), new("Han", 0x4E00, 6000, false), new("Kana", 0x3041, 80, false),
        new("Thai", 0xE01, 46, false), new("Khmer", 0x1780, 33, false), new("Lao", 0xE81, 30, false), new("Myanmar", 0x1000, 33, false),
    ];

    public static int Run(long total, int languages, string? jsonFolder)
    {
        var sizes = Sizes(total, languages);
        Console.WriteLine($"languages: {languages}; entries: {sizes.Sum():N0} (largest {sizes.Max():N0}, smallest {sizes.Min():N0})");
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        var random = new Random(2026);
        var lists = new List<MetadataList>(languages);
        var generate = Stopwatch.StartNew();
        for (int l = 0; l < languages; l++)
        {
            var script = ScriptOf(l);
            lists.Add(new MetadataList($"l{l:D3}", Entries(script, sizes[l], random), "synthetic"));
        }

        double generateSeconds = generate.Elapsed.TotalSeconds;
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long rssLists = Process.GetCurrentProcess().WorkingSet64;
        long heapLists = GC.GetTotalMemory(true);

        var matchers = new EntryMatcher[languages];
        var build = Stopwatch.StartNew();
        var layouts = RecordBudget.Assign(lists, CurationMode.V2, RecordBudget.DefaultBytes);
        double assignSeconds = build.Elapsed.TotalSeconds;
        Parallel.For(0, languages, l => matchers[l] = new EntryMatcher(lists[l], CurationMode.V2, layouts[lists[l].Language]));
        double buildSeconds = build.Elapsed.TotalSeconds;
        var withRecords = lists.Where(l => layouts[l.Language] == SpaceBoundedLayout.Records).ToList();
        Console.WriteLine($"layouts (budget {RecordBudget.DefaultBytes / 1048576.0:N0} MiB, chosen in {assignSeconds:0.00} s): records for {withRecords.Count} lists " +
            $"({withRecords.Sum(l => (long)l.Count):N0} entries, {withRecords.Sum(l => EntryMatcher.RecordBytes(l, CurationMode.V2)) / 1048576.0:N0} MiB of records), strings for {languages - withRecords.Count}");
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long rssAll = Process.GetCurrentProcess().WorkingSet64;
        long heapAll = GC.GetTotalMemory(true);
        long arrays = matchers.Sum(m => m.SizeInBytes);
        Console.WriteLine($"generate lists: {generateSeconds:0.0} s; build all matchers: {buildSeconds:0.0} s on {Environment.ProcessorCount} cores");
        Console.WriteLine($"resident: lists {(rssLists - rssBefore) / 1048576.0:N0} MiB, lists + matchers {(rssAll - rssBefore) / 1048576.0:N0} MiB (process {rssAll / 1048576.0:N0} MiB); " +
            $"managed heap lists {heapLists / 1048576.0:N0} MiB, all {heapAll / 1048576.0:N0} MiB; matcher arrays {arrays / 1048576.0:N0} MiB ({(double)arrays / sizes.Sum():0.0} bytes/entry), " +
            $"lists + matchers {(double)(rssAll - rssBefore) / sizes.Sum():0.0} bytes/entry; process peak so far {PeakMiB():N0} MiB");

        // One language loaded as a silo loads it: the JSON file read and parsed, the matcher built.
        int largest = Array.IndexOf(sizes, sizes.Max());
        string folder = jsonFolder ?? Path.Combine(Path.GetTempPath(), "metaclip-scale");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "largest.json");
        var json = new StringBuilder("[");
        foreach (string entry in lists[largest].Entries)
        {
            MetaClip.Engine.Json.JsonText.AppendString(json.Append(json.Length > 1 ? ",\n" : "\n"), entry);
        }

        File.WriteAllText(path, json.Append("\n]\n").ToString());
        var loads = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var load = Stopwatch.StartNew();
            var list = MetadataList.Parse("largest", File.ReadAllBytes(path), path);
            var matcher = new EntryMatcher(list, CurationMode.V2, layouts[lists[largest].Language]);
            loads.Add(load.Elapsed.TotalSeconds);
            GC.KeepAlive(matcher);
        }

        loads.Sort();
        Console.WriteLine($"load one language ({sizes[largest]:N0} entries, {ScriptOf(largest).Name}, {new FileInfo(path).Length / 1048576.0:0.0} MiB JSON): first {loads[^1]:0.00} s, median {loads[2]:0.00} s; process peak so far {PeakMiB():N0} MiB");

        // The compiled forms: every language written, then all read back as a silo with a warm cache starts.
        string compiledFolder = Path.Combine(folder, "compiled");
        Directory.CreateDirectory(compiledFolder);
        var write = Stopwatch.StartNew();
        Parallel.For(0, languages, l =>
        {
            using var file = File.Create(Path.Combine(compiledFolder, $"{l:D3}.matcher"));
            CompiledMatcherFile.Write(file, HashOf(l), CurationMode.V2, matchers[l]);
        });
        double writeSeconds = write.Elapsed.TotalSeconds;
        double peakWritten = PeakMiB();
        long bytes = Directory.GetFiles(compiledFolder).Sum(f => new FileInfo(f).Length);
        var largestMatcher = matchers[largest];
        Array.Clear(matchers);
        lists.Clear();
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long heapEmpty = GC.GetTotalMemory(true);
        var read = Stopwatch.StartNew();
        Parallel.For(0, languages, l =>
        {
            using var file = new FileStream(Path.Combine(compiledFolder, $"{l:D3}.matcher"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            matchers[l] = CompiledMatcherFile.Read(file, file.Name, HashOf(l), CurationMode.V2, $"l{l:D3}", "synthetic").ConsumeIntoLayout(layouts[$"l{l:D3}"]);
        });
        double readSeconds = read.Elapsed.TotalSeconds;
        double peakRead = PeakMiB();
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        long heapCompiled = GC.GetTotalMemory(true);
        var compiledLoads = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var load = Stopwatch.StartNew();
            using var file = new FileStream(Path.Combine(compiledFolder, $"{largest:D3}.matcher"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            GC.KeepAlive(CompiledMatcherFile.Read(file, file.Name, HashOf(largest), CurationMode.V2, "largest", "synthetic").ConsumeIntoLayout(layouts[$"l{largest:D3}"]));
            compiledLoads.Add(load.Elapsed.TotalSeconds);
        }

        compiledLoads.Sort();
        Console.WriteLine($"compiled: all {languages} written in {writeSeconds:0.0} s, {bytes / 1048576.0:N0} MiB on disk (process peak so far {peakWritten:N0} MiB); " +
            $"all read back in {readSeconds:0.0} s on {Environment.ProcessorCount} cores (process peak so far {peakRead:N0} MiB), " +
            $"managed heap of the lists + matchers read back {(heapCompiled - heapEmpty) / 1048576.0:N0} MiB ({(double)(heapCompiled - heapEmpty) / sizes.Sum():0.0} bytes/entry; process {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:N0} MiB); " +
            $"largest language compiled: first {compiledLoads[^1]:0.000} s, median {compiledLoads[2]:0.000} s");
        Directory.Delete(compiledFolder, recursive: true);
        GC.KeepAlive(largestMatcher);
        GC.KeepAlive(matchers);
        return 0;
    }

    /// <summary>The most memory the process has had resident (what <c>/usr/bin/time</c> reports as max RSS), in MiB.</summary>
    private static double PeakMiB() => Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;

    private static byte[] HashOf(int language) => System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(language));

    /// <summary>500,000 for the largest languages, then falling off as 1/rank, scaled to the total.</summary>
    private static int[] Sizes(long total, int languages)
    {
        var weights = Enumerable.Range(0, languages).Select(i => 1.0 / Math.Pow(i + 8, 0.75)).ToArray();
        double scale = total / weights.Sum();
        var sizes = weights.Select(w => (int)Math.Min(500_000, w * scale)).ToArray();
        for (int round = 0; round < 20 && sizes.Sum(s => (long)s) < total; round++)
        {
            long missing = total - sizes.Sum(s => (long)s);
            int open = sizes.Count(s => s < 500_000);
            for (int i = 0; i < languages && missing > 0; i++)
            {
                int add = (int)Math.Min(Math.Min(500_000 - sizes[i], missing), (missing / Math.Max(1, open)) + 1);
                sizes[i] += add;
                missing -= add;
            }
        }

        return sizes;
    }

    private static Script ScriptOf(int language) => (language % 25) switch
    {
        < 15 => Scripts[0],
        15 or 16 => Scripts[1],
        17 => Scripts[2],
        18 => Scripts[3],
        19 => Scripts[4],
        20 => Scripts[5],
        21 => Scripts[6],
        22 => Scripts[7],
        23 => Scripts[8 + (language / 25 % 4)],
        _ => Scripts[0],
    };

    private static List<string> Entries(Script script, int count, Random random)
    {
        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        var entries = new List<string>(count);
        var builder = new StringBuilder();
        while (entries.Count < count)
        {
            builder.Clear();
            if (script.Spaced)
            {
                int words = random.NextDouble() < 0.7 ? 1 : random.NextDouble() < 0.8 ? 2 : 3;
                for (int w = 0; w < words; w++)
                {
                    if (w > 0)
                    {
                        builder.Append(' ');
                    }

                    int length = script.Name == "Hangul" ? random.Next(1, 5) : random.Next(2, 13);
                    for (int c = 0; c < length; c++)
                    {
                        builder.Append((char)(script.First + random.Next(script.Count)));
                    }
                }
            }
            else
            {
                int length = random.Next(1, 7);
                for (int c = 0; c < length; c++)
                {
                    builder.Append((char)(script.First + random.Next(script.Count)));
                }
            }

            string entry = builder.ToString();
            if (seen.Add(entry))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }
}
