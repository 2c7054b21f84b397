using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// A language partition on a silo that keeps everything in memory (the embedded cluster): partials are
/// acknowledged once applied, without a state write each, still exactly once, and the counts outlive the activation.
/// </summary>
public sealed class InMemoryLanguagePartitionTests
{
    [Fact]
    public async Task Partials_apply_exactly_once_and_the_counts_survive_the_activation_being_collected()
    {
        await using var cluster = await TestClusters.StartAsync(1, intermediatesInMemory: true);
        var partition = cluster.Client.GetGrain<ILanguagePartitionGrain>("job/en");
        var partials = Enumerable.Range(0, 50).Select(i => new ShardPartialCounts($"part-{i}.jsonl", 4, [i % 4], [(ulong)i + 1])).ToList();
        var results = await Task.WhenAll(partials.Concat(partials).Select(p => partition.ApplyPartial(p)));
        Assert.Equal(50, results.Count(applied => applied));
        Assert.False(await partition.ApplyPartial(partials[3] with { Counts = [1000] }));

        var expected = new ulong[4];
        foreach (var p in partials)
        {
            expected[p.EntryIds[0]] += p.Counts[0];
        }

        Assert.Equal(expected, (await partition.GetCounts()).Counts);

        // The activation goes (idle collection): it writes its counts on the way out, and the next one reads them.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var after = await partition.GetCounts();
        Assert.Equal(expected, after.Counts);
        Assert.Equal(50, after.AppliedShards);
        Assert.False(await partition.ApplyPartial(partials[0]));
    }
}
