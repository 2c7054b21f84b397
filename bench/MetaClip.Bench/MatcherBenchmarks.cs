using BenchmarkDotNet.Attributes;
using MetaClip.Engine;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Bench;

/// <summary>
/// BenchmarkDotNet: matching 10,000 texts of <c>synth-en-200k</c> against the 500k-entry stand-in list on one
/// thread (allocations per operation show the hot path allocates nothing), and building that list's automaton.
/// Inputs from <c>METACLIP_BENCH_METADATA</c> (en.json or .gz) and <c>METACLIP_BENCH_TEXTS</c> (JSONL or .gz).
/// </summary>
[MemoryDiagnoser]
public class MatcherBenchmarks
{
    private MetadataList _list = null!;
    private EntryMatcher _matcher = null!;
    private string[] _texts = [];
    private readonly MatchScratch _scratch = new();

    [GlobalSetup]
    public void Setup()
    {
        string metadata = Environment.GetEnvironmentVariable("METACLIP_BENCH_METADATA") ?? throw new InvalidOperationException("set METACLIP_BENCH_METADATA");
        string texts = Environment.GetEnvironmentVariable("METACLIP_BENCH_TEXTS") ?? throw new InvalidOperationException("set METACLIP_BENCH_TEXTS");
        _list = new MetadataList("en", MatchingMeasurement.LoadList(metadata), "en.json");
        _matcher = new EntryMatcher(_list, CurationMode.V2);
        _texts = MatchingMeasurement.LoadTexts(texts)[..10_000];
        foreach (string t in _texts)
        {
            _matcher.Match(t, _scratch);
        }
    }

    /// <summary>One operation = 10,000 texts.</summary>
    [Benchmark]
    public int Match10kTexts()
    {
        int matches = 0;
        foreach (string t in _texts)
        {
            matches += _matcher.Match(t, _scratch).Length;
        }

        return matches;
    }

    [Benchmark]
    public long BuildAutomaton() => new EntryMatcher(_list, CurationMode.V2).SizeInBytes;
}
