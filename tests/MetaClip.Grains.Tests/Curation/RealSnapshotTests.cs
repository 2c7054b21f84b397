using MetaClip.GrainInterfaces;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// The distributed result on 60,000 real multilingual captions (24 shards) is byte-identical to the
/// single-process engine's on 1, 2 and 3 silos: thresholds, entry counts, decisions and the curated set.
/// </summary>
public sealed class RealSnapshotTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_60k_row_real_snapshot_curates_identically_to_the_engine(int silos)
    {
        string shared = SharedFolder.Require();
        string snapshot = RealSnapshot.Write(shared, _work.Combine("snapshot"), rows: 60_000, rowsPerFile: 2_500);
        var spec = SampleSpec(_work.Combine("cluster")) with { Snapshot = snapshot };
        await RunEngineAsync(spec, _work.Combine("engine"));

        await using var cluster = await StartAsync(silos);
        var status = await RunJobAsync(cluster, "real-" + silos, spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(24, status.Shards);
        Assert.Equal(60_000, status.Texts);
        Assert.True(status.Languages.Length >= 8, "a multilingual snapshot");
        AssertSameOutputs(_work.Combine("engine"), _work.Combine("cluster"));
    }
}
