using MetaClip.GrainInterfaces;
using MetaClip.Grains.Hosting;
using MetaClip.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace MetaClip.Training.Grains.Tests.Training;

/// <summary>The training-job grain on real in-process clusters whose silos differ in their metadata.</summary>
public sealed class TrainingJobGrainTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_training_job_runs_on_the_silo_that_accepts_training_reports_progress_and_learns()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        var (cluster, silos) = await StartAsync(null, [], new Dictionary<string, string> { [AcceleratorPlacement.TrainingKey] = AcceleratorPlacement.Accept });
        await using var _ = cluster;

        var spec = Spec(job, _dir.Combine("run"), steps: 150);
        var started = await cluster.Client.GetGrain<ITrainingJobGrain>("fashion").Start(spec);
        Assert.Equal(TrainingJobPhase.Running, started.Phase);
        Assert.Equal(silos[1].SiloAddress.ToString(), started.Silo);

        var running = await WaitAsync(cluster.Client, "fashion", s => s.Step > 0 || s.Phase != TrainingJobPhase.Running);
        Assert.Equal(silos[1].SiloAddress.ToString(), running.Silo ?? silos[1].SiloAddress.ToString());
        var done = await WaitAsync(cluster.Client, "fashion", s => s.Phase != TrainingJobPhase.Running);
        Assert.True(done.Phase == TrainingJobPhase.Done, done.Error);
        Assert.Equal(150, done.Step);

        var losses = File.ReadAllLines(Path.Combine(spec.Run, TrainingRun.MetricsFile)).Select(l => double.Parse(l.Split("\"loss\":")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(150, losses.Count);
        Assert.True(losses.TakeLast(10).Average() < losses.Take(10).Average() - 0.3, $"the loss should fall: {losses.Take(10).Average():0.000} → {losses.TakeLast(10).Average():0.000}");
        Assert.True(File.Exists(Path.Combine(spec.Run, TrainingRun.ModelFile)));
        Assert.Equal(done.Loss, losses[^1], 9);
    }

    [SkippableFact]
    public async Task A_training_job_whose_silo_dies_resumes_from_its_checkpoint_on_another_and_ends_bit_identical()
    {
        string storage = AzuriteStorage.Require();
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);

        // The run as one process makes it, without interruption.
        var reference = Spec(job, _dir.Combine("reference"), steps: 400);
        var whole = await new TrainingRun(TrainingJobSpecs.ToRunSpec(reference), reference.Run).RunAsync();

        var accept = new Dictionary<string, string> { [AcceleratorPlacement.TrainingKey] = AcceleratorPlacement.Accept };
        var (cluster, silos) = await StartAsync(storage, [], accept, accept);
        await using var _ = cluster;
        var spec = reference with { Run = _dir.Combine("cluster-run") };
        var started = await cluster.Client.GetGrain<ITrainingJobGrain>("resume").Start(spec);
        var victim = silos.Single(s => s.SiloAddress.ToString() == started.Silo);
        Assert.NotSame(silos[0], victim);

        // Kill the training silo once it is past a checkpoint (every 5 steps) and well before the end.
        await WaitAsync(cluster.Client, "resume", s => s.Step >= 12 || s.Phase != TrainingJobPhase.Running);
        await cluster.KillSiloAsync(victim);

        var done = await WaitAsync(cluster.Client, "resume", s => s.Phase != TrainingJobPhase.Running, seconds: 240);
        Assert.True(done.Phase == TrainingJobPhase.Done, done.Error);
        Assert.True(done.Resumes >= 1, "the job resumed on another silo");
        Assert.Equal(400, done.Step);
        Assert.True(File.ReadAllBytes(whole.Checkpoint).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(spec.Run, TrainingRun.ModelFile))),
            "the resumed run's model, optimiser state and step equal the uninterrupted run's, byte for byte");
    }

    [Fact]
    public async Task Cancel_stops_a_running_job_after_a_checkpoint()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        var (cluster, _) = await StartAsync(null, new Dictionary<string, string> { [AcceleratorPlacement.AcceleratorKey] = AcceleratorPlacement.Gpu });
        await using var _ = cluster;
        var spec = Spec(job, _dir.Combine("run"), steps: 100_000);
        var grain = cluster.Client.GetGrain<ITrainingJobGrain>("cancel");
        await grain.Start(spec);
        await WaitAsync(cluster.Client, "cancel", s => s.Step >= 3);

        var cancelled = await grain.Cancel();
        Assert.Equal(TrainingJobPhase.Cancelled, cancelled.Phase);
        var checkpoints = Directory.GetFiles(Path.Combine(spec.Run, TrainingRun.CheckpointsFolder), "step-*.ckpt");
        Assert.NotEmpty(checkpoints);
        long step = (await grain.GetStatus()).Step;
        await Task.Delay(500);
        Assert.Equal(step, (await grain.GetStatus()).Step);
        Assert.Equal(TrainingJobPhase.Cancelled, (await grain.GetStatus()).Phase);
    }

    private static TrainingJobSpec Spec(string job, string run, int steps) =>
        new(job, run, Online: true, Preset: "tiny", Steps: steps, BatchSize: 16, AccumulationSteps: 1, LearningRate: 2e-3, WarmupSteps: 10, Seed: 5, CheckpointEvery: 5);

    /// <summary>A cluster of one silo per metadata set, in that order (the first is the primary).</summary>
    private static async Task<(InProcessTestCluster Cluster, List<InProcessSiloHandle> Silos)> StartAsync(string? storage, params Dictionary<string, string>[] metadata)
    {
        var builder = new InProcessTestClusterBuilder((short)metadata.Length);
        string serviceId = "training-" + Guid.NewGuid().ToString("N");
        builder.Options.ServiceId = serviceId;
        var names = new List<string>();
        builder.ConfigureSilo((options, silo) =>
        {
            Dictionary<string, string> mine;
            lock (names)
            {
                mine = metadata[names.Count];
                names.Add(options.SiloName);
            }

            silo.UseSiloMetadata(mine);
            silo.AddPlacementDirector<AcceleratorPlacement, AcceleratorPlacementDirector>();
            silo.AddCurationStorage(storage is null ? GrainStorageKind.Memory : GrainStorageKind.AzureBlob, storage, serviceId);
            silo.UseInMemoryReminderService();
            silo.Services.AddMetaClipCuration(_ => { });
            if (AcceleratorPlacement.CanTrain(mine))
            {
                TrainingPlugin.Add(silo, null);
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return (cluster, [.. names.Select(n => cluster.Silos.Single(s => s.Name == n))]);
    }

    /// <summary>
    /// Waits for a state of the job. Gives up after <paramref name="seconds"/> without progress (no new step), not
    /// after a fixed total: on a loaded machine a run can train 100× slower than usual and still be right (once,
    /// at 9 images/s, a fixed 120 s ran out mid-run), while a stalled job still fails the test.
    /// </summary>
    private static async Task<TrainingJobStatus> WaitAsync(IClusterClient client, string jobId, Func<TrainingJobStatus, bool> until, int seconds = 120)
    {
        var grain = client.GetGrain<ITrainingJobGrain>(jobId);
        var patience = TimeSpan.FromSeconds(seconds);
        var deadline = DateTime.UtcNow + patience;
        var limit = DateTime.UtcNow + TimeSpan.FromMinutes(20);
        TrainingJobStatus? last = null;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline && DateTime.UtcNow < limit)
        {
            try
            {
                var status = await grain.GetStatus();
                if (last is null || status.Step != last.Step || status.Phase != last.Phase)
                {
                    deadline = DateTime.UtcNow + patience;
                }

                last = status;
                lastError = null;
                if (until(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The silo was just lost; the job is being activated elsewhere.
                lastError = e;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"training job {jobId}: the awaited state did not come (no progress for {seconds} s, or 20 minutes in all); last status: {last}; last error: {lastError?.Message ?? "none"}", lastError);
    }
}
