using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using MetaClip.Engine;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Storage;

namespace MetaClip.Bench;

/// <summary>
/// Loading one metadata list as a silo loads it (<see cref="MetadataSet.LoadAsync"/>, then its matcher): from its
/// JSON (parse, check, build the index and automaton) and compiled (read the JSON's bytes for their hash, read the
/// compiled list). Each way <c>rounds</c> times in this process; the first of each way includes its JIT.
/// </summary>
internal static class MatcherLoadMeasurement
{
    public static int Run(string list, string scratch, int rounds)
    {
        string folder = Path.Combine(scratch, "matcher-load", "meta");
        string cacheFolder = Path.Combine(scratch, "matcher-load", "cache");
        if (Directory.Exists(Path.Combine(scratch, "matcher-load")))
        {
            Directory.Delete(Path.Combine(scratch, "matcher-load"), recursive: true);
        }

        Directory.CreateDirectory(folder);
        string json = Path.Combine(folder, "en.json");
        using (var input = File.OpenRead(list))
        using (var output = File.Create(json))
        {
            (list.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(input, CompressionMode.Decompress) : (Stream)input).CopyTo(output);
        }

        var problems = new List<string>();
        var cache = new CompiledMatcherCache(cacheFolder, problems.Add);
        var fromJson = Time(rounds, () => Load(folder, null));
        var firstCompile = Time(1, () => Load(folder, cache));
        var compiled = Time(rounds, () => Load(folder, cache));
        var hashOnly = Time(rounds, () => SHA256.HashData(File.ReadAllBytes(json)).Length);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        var set = Load(folder, cache);
        string file = Directory.GetFiles(cacheFolder).Single();
        Console.WriteLine($"list: {set.GetMatcher("en")!.List.Count:N0} entries, {new FileInfo(json).Length / 1048576.0:0.0} MiB JSON; compiled file {new FileInfo(file).Length / 1048576.0:0.0} MiB");
        Console.WriteLine($"from JSON (parse + build): first {fromJson[0]:0.000} s, median {Median(fromJson):0.000} s");
        Console.WriteLine($"first load with the cache (parse + build + write): {firstCompile[0]:0.000} s");
        Console.WriteLine($"compiled (read JSON bytes + SHA-256 + read compiled): first {compiled[0]:0.000} s, median {Median(compiled):0.000} s, of which JSON bytes + SHA-256 {Median(hashOnly):0.000} s");
        return 0;
    }

    private static MetadataSet Load(string folder, CompiledMatcherCache? cache)
    {
        var set = MetadataSet.LoadAsync(DataStore.Local, folder, CurationMode.V2, CancellationToken.None, cache).GetAwaiter().GetResult();
        set.GetMatcher("en");
        return set;
    }

    private static List<double> Time<T>(int rounds, Func<T> load)
    {
        var seconds = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, true, true);
            var watch = Stopwatch.StartNew();
            GC.KeepAlive(load());
            seconds.Add(watch.Elapsed.TotalSeconds);
        }

        return seconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
