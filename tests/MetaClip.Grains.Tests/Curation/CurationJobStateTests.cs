using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// The merge of a coordinator's job state with a stored one after a checkpoint conflict
/// (<see cref="CurationJobState.MergedWith"/>), and the state's round trip through the grain storage.
/// </summary>
public sealed class CurationJobStateTests
{
    [Fact]
    public void A_merge_keeps_the_shard_results_of_either_side()
    {
        var mine = State(sampled: [0]);
        mine.Matched[0] = new ShardMatchSummary(0, 10, 0, 5, [], null, false);
        var stored = State(sampled: [1]);
        stored.Matched[1] = new ShardMatchSummary(1, 10, 0, 5, [], null, false);

        var merged = mine.MergedWith(stored);

        Assert.Equal([0, 1], merged.Matched.Keys.Order());
        Assert.Equal([0, 1], merged.Sampled.Keys.Order());
    }

    [Fact]
    public void Regression_a_merge_does_not_bring_back_a_result_discarded_because_its_part_was_lost()
    {
        // The coordinator found shard 1's part missing, discarded its pass-2 result and decides it again; a checkpoint
        // conflict then merges an older stored state that still holds the discarded result. Taken back, it would make the
        // publish look for the lost part again (and fail) instead of the new one.
        var mine = State(sampled: [0]);
        mine.DecidedAgain.Add(1);
        var stored = State(sampled: [0, 1, 2]);

        var merged = mine.MergedWith(stored);

        Assert.Equal([0, 2], merged.Sampled.Keys.Order());
        Assert.Equal([1], merged.DecidedAgain);
    }

    [Fact]
    public void A_new_result_is_kept_and_what_a_stored_state_was_deciding_again_stays_to_decide()
    {
        // This state recorded shard 1's new result (so it is no longer deciding it again); a stored state was still deciding
        // shards 1 and 2 again and holds their discarded results. Shard 1 keeps its new result; shard 2's discarded result is
        // not taken, and its start mark is not brought back (deciding it again is not a retry).
        var mine = State(sampled: [1]);
        var newer = new ShardSampleSummary(1, [], new ShardPartsWritten(9, 9, 1, 1));
        mine.Sampled[1] = newer;
        var stored = State(sampled: [1, 2]);
        stored.DecidedAgain.UnionWith([1, 2]);
        stored.Started.UnionWith(["match/2", "sample/1", "sample/2"]);

        var merged = mine.MergedWith(stored);

        Assert.Same(newer, merged.Sampled[1]);
        Assert.False(merged.Sampled.ContainsKey(2));
        Assert.Equal([2], merged.DecidedAgain);
        Assert.Equal(["match/2", "sample/1"], merged.Started.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task The_shards_being_decided_again_survive_the_real_grain_storage()
    {
        // Written and read back by the Azure Blob grain storage and its serialiser, as a coordinator's checkpoint is.
        string storage = AzuriteStorage.Require();
        await using var cluster = await StartAsync(1, storage);
        var grainStorage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CurationStorage.Name);
        var job = cluster.Client.GetGrain<ICurationJobGrain>("state-round-trip").GetGrainId();
        var state = State(sampled: [0]);
        state.DecidedAgain.Add(1);
        state.Started.Add("match/1");

        await grainStorage.WriteStateAsync("job", job, new GrainState<CurationJobState>(state));
        var read = new GrainState<CurationJobState>();
        await grainStorage.ReadStateAsync("job", job, read);

        var got = read.State;
        Assert.NotNull(got);
        Assert.Equal([1], got.DecidedAgain);
        Assert.Equal([0], got.Sampled.Keys);
        Assert.Equal(state.Sampled[0].Parts, got.Sampled[0].Parts);
        Assert.Equal(["match/1"], got.Started);
    }

    private static CurationJobState State(int[] sampled)
    {
        var state = new CurationJobState { Phase = CurationJobPhase.Sampling };
        foreach (int index in sampled)
        {
            state.Sampled[index] = new ShardSampleSummary(index, [], new ShardPartsWritten(1, 1, 1, 1));
        }

        return state;
    }
}
