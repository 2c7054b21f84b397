using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace MetaClip.Grains.Tests;

/// <summary>Real in-process Orleans clusters for the tests, and the jobs run on them.</summary>
internal static class TestClusters
{
    /// <summary>
    /// A cluster of <paramref name="silos"/> silos. With a <paramref name="storage"/> connection string, grain state
    /// lives in Azure Blob Storage (Azurite), so it survives killed silos and a whole-cluster restart (same
    /// <paramref name="serviceId"/>); otherwise in silo memory. With <paramref name="dataStorage"/>, jobs may name
    /// blob locations (<c>az://</c>) in that account.
    /// </summary>
    public static async Task<InProcessTestCluster> StartAsync(int silos, string? storage = null, string? serviceId = null,
        ShardGate? gate = null, int maxConcurrentShards = 2, string? dataStorage = null, bool intermediatesInMemory = false,
        Action<IServiceCollection>? services = null, long? intermediateMemoryBytes = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        serviceId ??= "test-" + Guid.NewGuid().ToString("N");
        builder.Options.ServiceId = serviceId;

        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddCurationStorage(storage is null ? GrainStorageKind.Memory : GrainStorageKind.AzureBlob, storage, serviceId);
            silo.UseInMemoryReminderService();
            services?.Invoke(silo.Services);
            silo.Services.AddMetaClipCuration(o =>
            {
                o.MaxConcurrentShards = maxConcurrentShards;
                o.StorageConnectionString = dataStorage;
                o.IntermediatesInMemory = intermediatesInMemory;
                o.SingleSilo = intermediatesInMemory;
                o.IntermediateMemoryBytes = intermediateMemoryBytes ?? Grains.Curation.CurationSiloOptions.DefaultIntermediateMemoryBytes;
            });
            if (gate is not null)
            {
                silo.Services.AddSingleton(gate);
                silo.AddIncomingGrainCallFilter<ShardGateFilter>();
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The sample snapshot's job, as <c>metaclip curate --lang-column lang --t-en 20</c> gives it.</summary>
    public static CurationOptions SampleSpec(string output) => new()
    {
        Snapshot = Repository.Path("samples", "snapshot"),
        Metadata = Repository.Path("samples", "metadata"),
        Output = output,
        TEn = 20,
        Columns = new SnapshotColumns { Lang = "lang" },
    };

    /// <summary>The same job on the single-process engine, for comparison.</summary>
    public static Task<CurationResult> RunEngineAsync(CurationOptions spec, string output) =>
        new CurationPipeline((spec ?? throw new ArgumentNullException(nameof(spec))) with { Output = output }).RunAsync();

    /// <summary>Starts a job and follows it until it ends.</summary>
    public static async Task<CurationJobStatus> RunJobAsync(InProcessTestCluster cluster, string jobId, CurationOptions spec)
    {
        await cluster.Client.GetGrain<ICurationJobGrain>(jobId).Start(spec);
        return await WaitAsync(cluster.Client, jobId, s => s.Phase is CurationJobPhase.Done or CurationJobPhase.Failed or CurationJobPhase.Cancelled);
    }

    /// <summary>Polls a job's status until <paramref name="until"/> holds (a status call that fails while the cluster recovers is repeated).</summary>
    public static async Task<CurationJobStatus> WaitAsync(IClusterClient client, string jobId, Func<CurationJobStatus, bool> until, int seconds = 180)
    {
        var job = client.GetGrain<ICurationJobGrain>(jobId);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        CurationJobStatus? last = null;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await job.GetStatus();
                lastError = null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A silo was just lost; the job's coordinator is being activated elsewhere.
                lastError = e;
            }

            if (last is not null && lastError is null && until(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"job {jobId}: the awaited state did not come within {seconds} s; last status: {last}; last status error: {lastError?.Message ?? "none"}", lastError);
    }

    /// <summary>Asserts that two output folders hold byte-identical curation results.</summary>
    public static void AssertSameOutputs(string expected, string actual)
    {
        var files = new[] { "thresholds.json", "decisions.jsonl", "curated/part-00000.parquet" }
            .Concat(Directory.GetFiles(Path.Combine(expected, "entry_counts")).Select(f => "entry_counts/" + Path.GetFileName(f)))
            .ToList();
        Assert.Equal(Directory.GetFiles(Path.Combine(expected, "entry_counts")).Length, Directory.GetFiles(Path.Combine(actual, "entry_counts")).Length);
        foreach (string file in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
        }
    }
}
