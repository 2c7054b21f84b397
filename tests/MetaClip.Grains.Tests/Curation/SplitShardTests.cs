using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// Issue 17: one big JSON Lines file (or Parquet row group) becomes several shards (byte or row ranges that keep every
/// image whole), spread over the silos, and the cluster's outputs are the single-process engine's on the whole file,
/// byte for byte.
/// </summary>
public sealed class SplitShardTests
{
    [Fact]
    public async Task One_big_file_runs_as_many_shards_on_two_silos_and_gives_the_engine_result_of_the_whole_file()
    {
        using var work = new TempFolder();
        var spec = await BigFileSpecAsync(work);
        await RunEngineAsync(spec with { ShardBytes = 1L << 30 }, work.Combine("engine"));
        await using var cluster = await StartAsync(2);
        var status = await RunJobAsync(cluster, "split", spec with { Output = work.Combine("cluster") });
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(status.Shards >= 3, $"{status.Shards} shards");
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }

    [Fact]
    public async Task Intermediates_beyond_the_memory_budget_go_to_temporary_files_and_the_result_is_the_same()
    {
        using var work = new TempFolder();
        var spec = await BigFileSpecAsync(work);
        await RunEngineAsync(spec with { ShardBytes = 1L << 30 }, work.Combine("engine"));
        await using var cluster = await StartAsync(1, intermediatesInMemory: true, intermediateMemoryBytes: 64 << 10);
        var status = await RunJobAsync(cluster, "spill", spec with { Output = work.Combine("cluster") });
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
        var intermediates = (Grains.Curation.ShardIntermediates)cluster.Silos[0].ServiceProvider.GetService(typeof(Grains.Curation.ShardIntermediates))!;
        Assert.True(intermediates.SpilledTotal > 0, "some intermediates went to files");
        Assert.Equal(0, intermediates.MemoryBytes);
        Assert.Equal(0, intermediates.SpilledCount);
        Assert.False(Directory.Exists(work.Combine("cluster", ".work")), "nothing was written to the work folder");
    }

    [Fact]
    public async Task A_big_Parquet_row_group_runs_as_row_range_shards_on_two_silos_and_gives_the_engine_result_of_one_shard()
    {
        using var work = new TempFolder();
        await ImageRowsParquet.WriteAsync(work.Combine("snapshot", "part-0.parquet"), images: 14_000, seed: 5, scattered: 2, rowGroupRows: 40_000);
        var spec = SampleSpec(work.Combine("cluster")) with { Snapshot = work.Combine("snapshot"), ShardRows = 5_000, Format = CuratedFormat.Parquet };
        await RunEngineAsync(spec with { ShardRows = 1L << 40 }, work.Combine("engine"));
        await using var cluster = await StartAsync(2);
        var status = await RunJobAsync(cluster, "rows", spec with { Output = work.Combine("cluster") });
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(status.Shards >= 5, $"{status.Shards} shards");
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }

    [Fact]
    public async Task A_line_far_longer_than_a_shard_is_a_shard_of_its_own_and_the_result_is_the_engine_s()
    {
        // Issue 17: a JSONL line longer than the batch budget (a 50 MB text) must still work, never crash for memory.
        // Here a 20 MB text in the middle of a file split into 1 MiB shards, with a second row of its image after it.
        using var work = new TempFolder();
        var spec = await BigFileSpecAsync(work);
        string file = work.Combine("snapshot", "part-0.jsonl");
        var lines = File.ReadAllLines(file).ToList();
        string words = string.Concat(Enumerable.Repeat("the cat sat on the chair near the house ", 500_000));
        lines.Insert(lines.Count / 2, $"{{\"uuid\": \"huge\", \"lang\": \"en\", \"text\": \"{words}\"}}");
        lines.Insert((lines.Count / 2) + 1, "{\"uuid\": \"huge\", \"lang\": \"en\", \"text\": \"a cat\"}");
        await File.WriteAllLinesAsync(file, lines);
        await RunEngineAsync(spec with { ShardBytes = 1L << 30 }, work.Combine("engine"));
        await using var cluster = await StartAsync(2);
        var status = await RunJobAsync(cluster, "huge-line", spec with { Output = work.Combine("cluster") });
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(status.Shards >= 3, $"{status.Shards} shards");
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
        Assert.Contains("\"huge\"", await File.ReadAllTextAsync(work.Combine("engine", "decisions.jsonl")), StringComparison.Ordinal);
    }

    private static Task<CurationOptions> BigFileSpecAsync(TempFolder work)
    {
        ImageRowsFile.Write(work.Combine("snapshot", "part-0.jsonl"), images: 14_000, seed: 5, scattered: 2);
        ImageRowsFile.Write(work.Combine("snapshot", "part-1.jsonl"), images: 500, seed: 6);
        return Task.FromResult(SampleSpec(work.Combine("cluster")) with
        {
            Snapshot = work.Combine("snapshot"),
            ShardBytes = 1L << 20,
            Format = CuratedFormat.Parquet,
        });
    }
}
