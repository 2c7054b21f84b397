using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// A rolling upgrade meets partition state written by the previous version (counts as a plain array): the new
/// silos read it, keep counting exactly once on top of it, and write the compact form.
/// </summary>
public sealed class PartitionStateCompatibilityTests
{
    [SkippableFact]
    public async Task Partition_state_written_by_the_previous_version_is_read_and_extended()
    {
        string storage = AzuriteStorage.Require();
        await using var cluster = await StartAsync(1, storage);
        var partition = cluster.Client.GetGrain<ILanguagePartitionGrain>("upgrade/en");

        // The previous version's state, through the real Azure Blob grain storage and its serialiser.
        var grainStorage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CurationStorage.Name);
        var old = new GrainState<LanguagePartitionState>(new LanguagePartitionState([0, 5, 0, 2], ["part-0.jsonl"]));
        await grainStorage.WriteStateAsync("partition", partition.GetGrainId(), old);

        var read = await partition.GetCounts();
        Assert.Equal([0UL, 5, 0, 2], read.Counts);
        Assert.Equal(1, read.AppliedShards);

        Assert.False(await partition.ApplyPartial(new ShardPartialCounts("part-0.jsonl", 4, [1], [5])));
        Assert.True(await partition.ApplyPartial(new ShardPartialCounts("part-1.jsonl", 4, [0, 3], [1, 1])));
        await cluster.DeactivateAsync(partition);

        var after = await partition.GetCounts();
        Assert.Equal([1UL, 5, 0, 3], after.Counts);
        Assert.Equal(2, after.AppliedShards);
        var stored = new GrainState<LanguagePartitionState>();
        await grainStorage.ReadStateAsync("partition", partition.GetGrainId(), stored);
        Assert.NotNull(stored.State);
        Assert.Null(stored.State.Counts);
        Assert.NotNull(stored.State.EncodedCounts);
    }
}
