using System.IO.Compression;
using System.Text.Json.Nodes;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// The planning phase on real in-process clusters: the snapshot's files are split into shards by the workers, file by
/// file (a big file is read through to find where it may be split), not by the coordinator inside <c>Start</c>; the
/// phase is checkpointed and resumes like the passes, and a file that cannot be read fails the job in that phase.
/// </summary>
public sealed class JobPlanningTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Files_are_split_into_shards_by_workers_on_every_silo_and_the_outputs_are_the_engines()
    {
        // 6 files of about 2.5 MB in shards of 1 MB: every file is read through and split. And 14 small files, one shard
        // each: worker grains are placed at random, so with 6 files alone both silos planned only 31 times in 32; with 20
        // files one silo plans them all about once in 500,000 runs.
        const int bigFiles = 6;
        var spec = await SplitSpecAsync(files: bigFiles, smallFiles: 14);
        int files = Directory.GetFiles(spec.Snapshot).Length;
        Assert.Equal(20, files);
        var gate = new ShardGate();
        await using var cluster = await StartAsync(2, gate: gate);

        var started = await cluster.Client.GetGrain<ICurationJobGrain>("planned").Start(spec);
        Assert.Equal(files, started.Files);
        var status = await WaitAsync(cluster.Client, "planned", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);

        Assert.Equal(files, gate.CallsOf("Plan"));
        Assert.All(cluster.Silos, silo => Assert.True(gate.CallsOn(silo.SiloAddress, "Plan") > 0, $"silo {silo.SiloAddress} planned no file"));
        Assert.Equal((files, files), (status.Files, status.FilesPlanned));
        Assert.True(status.Shards >= (2 * bigFiles) + (files - bigFiles), $"every big file was split ({status.Shards} shards from {files} files)");
        Assert.Equal(status.Shards, gate.CallsOf("Match"));

        await RunEngineAsync(spec, _work.Combine("engine"));
        AssertSameOutputs(_work.Combine("engine"), _work.Combine("cluster"));
    }

    [SkippableFact]
    public async Task Killing_the_coordinators_silo_while_planning_resumes_the_plan_with_identical_output()
    {
        string storage = AzuriteStorage.Require();
        var spec = await SplitSpecAsync(files: 8);
        int files = Directory.GetFiles(spec.Snapshot).Length;
        var gate = new ShardGate();
        await using var cluster = await StartAsync(3, storage, "kill-plan-" + Guid.NewGuid().ToString("N"), gate);
        const string jobId = "kill-plan";
        string? coordinatorAddress = (await cluster.Client.GetGrain<ICurationJobGrain>(jobId).GetStatus()).Coordinator;
        var coordinator = cluster.Silos.Single(s => s.SiloAddress.ToString() == coordinatorAddress);

        // Planning stops after 5 files, so the coordinator dies mid-phase with those files checkpointed.
        gate.Hold("Plan", pass: 5);
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        var before = await WaitAsync(cluster.Client, jobId, s => s.Phase == CurationJobPhase.Planning && s.FilesPlanned == 5 && gate.Held >= 1);
        Assert.Equal(0, before.Shards);
        await cluster.KillSiloAsync(coordinator);
        gate.Open();

        var status = await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(1, status.Resumes);
        Assert.Equal((files, files), (status.Files, status.FilesPlanned));
        Assert.True(gate.CallsOf("Plan") >= files, "every file was planned");

        await RunEngineAsync(spec, _work.Combine("engine"));
        AssertSameOutputs(_work.Combine("engine"), _work.Combine("cluster"));
    }

    [Fact]
    public async Task A_file_that_cannot_be_planned_fails_the_job_naming_it_and_a_retry_with_skip_bad_files_finishes_without_it()
    {
        var spec = await SplitSpecAsync(files: 2);

        // Compressed text is always read through while planning (its size says nothing of the text's): a file that is
        // not gzip fails there, before any shard runs.
        await File.WriteAllTextAsync(Path.Combine(spec.Snapshot, "zz-broken.jsonl.gz"), "{\"text\": \"a dog\", \"uuid\": \"u\", \"lang\": \"en\"}\n");
        await using var cluster = await StartAsync(2);
        var failed = await RunJobAsync(cluster, "broken-plan", spec);
        Assert.Equal(CurationJobPhase.Failed, failed.Phase);
        Assert.Contains("zz-broken.jsonl.gz", failed.Error, StringComparison.Ordinal);
        Assert.Contains("gzip", failed.Error, StringComparison.Ordinal);
        Assert.Equal((0, 0), (failed.Shards, failed.ShardsMatched));

        await cluster.Client.GetGrain<ICurationJobGrain>("broken-plan").Retry(skipBadFiles: true);
        var done = await WaitAsync(cluster.Client, "broken-plan", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(done.Phase == CurationJobPhase.Done, done.Error);
        Assert.Contains(done.SkippedFiles, f => f.Contains("zz-broken.jsonl.gz", StringComparison.Ordinal));

        // The same outputs as the engine's run without the broken file.
        File.Delete(Path.Combine(spec.Snapshot, "zz-broken.jsonl.gz"));
        await RunEngineAsync(spec, _work.Combine("engine"));
        AssertSameOutputs(_work.Combine("engine"), _work.Combine("cluster"));
    }

    /// <summary>
    /// <paramref name="files"/> JSON Lines files of the sample's rows (each copy's uuids and urls made its own) of about
    /// 2.5 MB, in shards of 1 MB, gzip-compressed every other file (read through while planning whatever its size); and
    /// <paramref name="smallFiles"/> files of the sample's first 10 rows (each made its own), one shard each.
    /// </summary>
    private async Task<CurationOptions> SplitSpecAsync(int files, int smallFiles = 0)
    {
        string rows = await SampleJsonl.WriteAsync(_work.Combine("rows"), rowsPerFile: int.MaxValue);
        string[] lines = await File.ReadAllLinesAsync(Directory.GetFiles(rows).Single());
        string snapshot = Directory.CreateDirectory(_work.Combine("snapshot")).FullName;
        for (int f = 0; f < files; f++)
        {
            string path = Path.Combine(snapshot, $"part-{f:D4}.jsonl" + (f % 2 == 0 ? ".gz" : ""));
            await using var file = File.Create(path);
            await using Stream text = f % 2 == 0 ? new GZipStream(file, CompressionLevel.Fastest) : file;
            await using var writer = new StreamWriter(text);
            for (int copy = 0; copy < 5; copy++)
            {
                foreach (string line in lines)
                {
                    await writer.WriteLineAsync(Unique(line, $"{f}-{copy}"));
                }
            }
        }

        for (int f = 0; f < smallFiles; f++)
        {
            await File.WriteAllLinesAsync(Path.Combine(snapshot, $"small-{f:D4}.jsonl"), lines.Take(10).Select(line => Unique(line, $"s{f}")));
        }

        return SampleSpec(_work.Combine("cluster")) with { Snapshot = snapshot, ShardBytes = 1 << 20 };
    }

    private static string Unique(string line, string suffix)
    {
        var row = JsonNode.Parse(line)!.AsObject();
        foreach (string key in (string[])["uuid", "url"])
        {
            if (row[key] is JsonNode value)
            {
                row[key] = $"{value.GetValue<string>()}-{suffix}";
            }
        }

        return row.ToJsonString();
    }
}
