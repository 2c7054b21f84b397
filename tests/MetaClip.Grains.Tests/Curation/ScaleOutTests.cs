using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// Issue 20: a silo added mid-job (the autoscaler adding a pod) gets shards of the running pass. The coordinator's
/// in-flight limit used to be fixed at the pass's start (active silos × 4), so a new silo got little.
/// </summary>
public sealed class ScaleOutTests
{
    [Fact]
    public async Task A_silo_added_mid_job_raises_the_shards_in_flight_and_runs_some_of_them()
    {
        using var work = new TempFolder();
        string snapshot = await SampleJsonl.WriteAsync(work.Combine("snapshot"), rowsPerFile: 60);
        var spec = SampleSpec(work.Combine("cluster")) with { Snapshot = snapshot };
        var gate = new ShardGate();
        await using var cluster = await StartAsync(2, gate: gate);
        gate.Hold("Match");
        await cluster.Client.GetGrain<ICurationJobGrain>("scale-out").Start(spec);

        // Two silos: the coordinator keeps 2 × 4 shards in flight, all held.
        await WaitForAsync(() => gate.Held == 2 * ShardDispatcher.ShardsPerSilo, "8 shards in flight on two silos");
        var added = await cluster.StartAdditionalSiloAsync();

        // Three silos: the limit follows (within its refresh), and more shards start without any finishing.
        await WaitForAsync(() => gate.Held == 3 * ShardDispatcher.ShardsPerSilo, "12 shards in flight once a third silo is up");
        gate.Open();
        var status = await WaitAsync(cluster.Client, "scale-out", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(gate.CallsOn(added.SiloAddress, "Match") > 0, "the added silo ran shards of the pass it joined");
        await RunEngineAsync(spec, work.Combine("engine"));
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not reached within 60 s: {what}");
            }

            await Task.Delay(50);
        }
    }
}
