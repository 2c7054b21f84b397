using MetaClip.Engine.Outputs;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using Microsoft.Extensions.DependencyInjection;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// Publishing a JSON Lines job (<see cref="JobPublishing"/>): the workers write their kept rows as finished curated
/// lines, which the coordinator copies; on real in-process clusters, against the engine's output.
/// </summary>
public sealed class JobPublishingTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task A_json_lines_job_s_workers_write_finished_curated_lines_and_the_outputs_are_the_engine_s()
    {
        var spec = await JsonlSpecAsync();
        var gate = new ShardGate();
        await using var cluster = await StartAsync(2, gate: gate);

        // Pass 2 stops after three shards: their kept rows are in the work folder as the workers wrote them.
        gate.Hold("Sample", pass: 3);
        await cluster.Client.GetGrain<ICurationJobGrain>("lines").Start(spec);
        await WaitAsync(cluster.Client, "lines", s => s.ShardsSampled == 3 && gate.Held >= 1);
        var kept = Directory.GetFiles(JobWorkFolder.Of(spec.Output, "lines"), "curated-*");
        Assert.Equal(3, kept.Length);
        foreach (string file in kept)
        {
            byte[] bytes = File.ReadAllBytes(file);
            Assert.True(bytes.AsSpan().StartsWith("MCL1{\"uuid\": "u8), $"{Path.GetFileName(file)} holds finished curated lines");
        }

        gate.Open();
        var status = await WaitAsync(cluster.Client, "lines", s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        await AssertEngineOutputsAsync(spec);
    }

    [Fact]
    public async Task Shards_whose_kept_rows_come_as_rows_from_an_older_worker_and_as_lines_publish_the_engine_s_bytes()
    {
        // A worker of the previous build ignores the task's CuratedLinesWithKey and writes rows: every other shard's
        // task reaches its worker without it (a filter takes it off), so the publisher gets both forms, interleaved.
        var spec = await JsonlSpecAsync();
        await using var cluster = await StartAsync(2, intermediatesInMemory: false,
            services: s => s.AddSingleton<IIncomingGrainCallFilter, OlderWorkerOnOddShards>());
        var status = await RunJobAsync(cluster, "mixed", spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.True(OlderWorkerOnOddShards.Stripped > 0, "some shards were written as rows");
        await AssertEngineOutputsAsync(spec);
    }

    private async Task<Engine.Pipeline.CurationOptions> JsonlSpecAsync()
    {
        // The sample's 4,650 real rows in 31 files, published as JSON Lines.
        string snapshot = await SampleJsonl.WriteAsync(_work.Combine("snapshot"), rowsPerFile: 150);
        return SampleSpec(_work.Combine("cluster")) with { Snapshot = snapshot, Format = CuratedFormat.Jsonl };
    }

    private async Task AssertEngineOutputsAsync(Engine.Pipeline.CurationOptions spec)
    {
        await RunEngineAsync(spec, _work.Combine("engine"));
        foreach (string file in new[] { "thresholds.json", "decisions.jsonl", "curated/part-00000.jsonl" }
            .Concat(Directory.GetFiles(_work.Combine("engine", "entry_counts")).Select(f => "entry_counts/" + Path.GetFileName(f))))
        {
            Assert.True(File.ReadAllBytes(_work.Combine("engine", file)).AsSpan().SequenceEqual(File.ReadAllBytes(_work.Combine("cluster", file))), $"{file} differs");
        }

        Assert.True(new FileInfo(_work.Combine("engine", "curated", "part-00000.jsonl")).Length > 0);
    }

    /// <summary>Takes <see cref="ShardTask.CuratedLinesWithKey"/> off the pass-2 tasks of odd shards, as a worker of the previous build would ignore it.</summary>
    private sealed class OlderWorkerOnOddShards : IIncomingGrainCallFilter
    {
        private static int _stripped;

        public static int Stripped => Volatile.Read(ref _stripped);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is IShardWorkerGrain && context.ImplementationMethod.Name == nameof(IShardWorkerGrain.Sample)
                && context.Request.GetArgument(0) is ShardTask { Index: var index, CuratedLinesWithKey: not null } task && index % 2 == 1)
            {
                context.Request.SetArgument(0, task with { CuratedLinesWithKey = null });
                Interlocked.Increment(ref _stripped);
            }

            return context.Invoke();
        }
    }
}
