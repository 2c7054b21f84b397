using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Snapshots;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>Exactly-once aggregation of shard counts on a real two-silo cluster.</summary>
[Collection(ClusterTests.Name)]
public class LanguagePartitionGrainTests(ClusterFixture fixture)
{
    private static readonly string[] Entries = ["dog", "cat", "red", "red car", "car", "new", "new york", "york"];

    [Fact]
    public async Task The_partials_of_all_shards_add_up_to_the_single_process_counts()
    {
        string job = Guid.NewGuid().ToString("N");
        var texts = Enumerable.Range(0, 600).Select(i => $"a {Entries[i % 8]} and a {Entries[(i * 5) % 8]} in new york {(i % 3 == 0 ? "car" : "")}").ToArray();
        var expected = new EntryCounts("en", Entries.Length);
        var shards = texts.Chunk(100).Select((chunk, index) => (Id: $"part-{index}.jsonl", Unit: Match(chunk, index))).ToList();
        foreach (var (_, unit) in shards)
        {
            foreach (var m in unit.Matched)
            {
                expected.AddMatchedSet(unit.IdsOf(m));
            }
        }

        var partition = fixture.Client.GetGrain<ILanguagePartitionGrain>($"{job}/en");
        await Task.WhenAll(shards.Select(s =>
        {
            var (ids, counts) = ShardCountAggregator.PartialCounts(s.Unit)["en"];
            return partition.ApplyPartial(new ShardPartialCounts(s.Id, Entries.Length, ids, counts));
        }));

        var global = await partition.GetCounts();
        Assert.Equal(expected.Values.ToArray(), global.Counts);
        Assert.Equal(6, global.AppliedShards);
    }

    [Fact]
    public async Task Partials_of_many_shards_arriving_together_are_group_committed_each_exactly_once()
    {
        // 200 shards at once, each delivered twice: the partition applies them while earlier writes are in
        // flight and persists them in batches; every shard counts once, and a read sees only persisted counts.
        string job = Guid.NewGuid().ToString("N");
        var partition = fixture.Client.GetGrain<ILanguagePartitionGrain>($"{job}/en");
        var partials = Enumerable.Range(0, 200).Select(i => new ShardPartialCounts($"part-{i}.jsonl", Entries.Length, [i % 8], [(ulong)i + 1])).ToList();
        var results = await Task.WhenAll(partials.Concat(partials).Select(p => partition.ApplyPartial(p)));
        Assert.Equal(200, results.Count(applied => applied));

        var global = await partition.GetCounts();
        Assert.Equal(200, global.AppliedShards);
        var expected = new ulong[Entries.Length];
        foreach (var p in partials)
        {
            expected[p.EntryIds[0]] += p.Counts[0];
        }

        Assert.Equal(expected, global.Counts);
    }

    [Fact]
    public async Task A_duplicated_delivery_of_a_shard_is_ignored_even_when_concurrent()
    {
        string job = Guid.NewGuid().ToString("N");
        var partition = fixture.Client.GetGrain<ILanguagePartitionGrain>($"{job}/en");
        var partial = new ShardPartialCounts("part-7.parquet#rg3", Entries.Length, [1, 4], [5, 2]);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => partition.ApplyPartial(partial)));
        Assert.Equal(1, results.Count(applied => applied));
        Assert.False(await partition.ApplyPartial(partial with { Counts = [100, 100] }));

        var global = await partition.GetCounts();
        Assert.Equal([0UL, 5, 0, 0, 2, 0, 0, 0], global.Counts);
        Assert.Equal(1, global.AppliedShards);
    }

    [Fact]
    public async Task A_partial_for_a_list_of_another_length_is_refused_and_changes_nothing()
    {
        string job = Guid.NewGuid().ToString("N");
        var partition = fixture.Client.GetGrain<ILanguagePartitionGrain>($"{job}/de");
        Assert.True(await partition.ApplyPartial(new ShardPartialCounts("a", 3, [0], [1])));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => partition.ApplyPartial(new ShardPartialCounts("b", 4, [0], [1])));
        Assert.Contains("the list has 3 entries", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => partition.ApplyPartial(new ShardPartialCounts("c", 3, [7], [1])));
        Assert.Equal([1UL, 0, 0], (await partition.GetCounts()).Counts);
    }

    private static UnitMatches Match(string[] texts, int shard)
    {
        var metadata = new MetadataSet(new Dictionary<string, MetadataList> { ["en"] = new("en", Entries, "en.json") },
            new LidMap(null, new HashSet<string> { "en" }), CurationMode.V2);
        var file = new SnapshotFile($"part-{shard}.jsonl", $"part-{shard}.jsonl", SnapshotFormat.Jsonl);
        var rows = new UnitRows
        {
            Unit = new SnapshotUnit(file, -1),
            RowCount = texts.Length,
            Text = texts,
            Uuid = [.. texts.Select((_, i) => (string?)$"{shard}-{i / 2}")],
            Lang = [.. texts.Select(_ => (string?)"en")],
        };
        return new UnitMatcher(metadata, 2).Match(rows, CancellationToken.None);
    }
}
