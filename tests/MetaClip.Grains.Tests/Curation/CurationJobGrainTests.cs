using MetaClip.Engine;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>The distributed job on real in-process clusters of 1, 2 and 3 silos against the single-process engine.</summary>
public class CurationJobGrainTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_cluster_writes_byte_identical_outputs_to_the_single_process_engine(int silos)
    {
        using var work = new TempFolder();
        var spec = SampleSpec(work.Combine("cluster"));
        await RunEngineAsync(spec, work.Combine("engine"));

        await using var cluster = await StartAsync(silos);
        var status = await RunJobAsync(cluster, "job-" + silos, spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(6, status.Shards);

        foreach (string file in new[] { "thresholds.json", "decisions.jsonl", "curated/part-00000.parquet" }
            .Concat(Directory.GetFiles(work.Combine("engine", "entry_counts")).Select(f => "entry_counts/" + Path.GetFileName(f))))
        {
            Assert.True(File.ReadAllBytes(work.Combine("engine", file)).AsSpan().SequenceEqual(File.ReadAllBytes(work.Combine("cluster", file))), $"{file} differs");
        }

        Assert.True(File.Exists(work.Combine("cluster", "report.html")));
        Assert.False(Directory.Exists(work.Combine("cluster", ".work")), "the job's intermediates are removed once published");
    }

    [Fact]
    public async Task Regression_a_job_in_a_phase_only_a_newer_build_knows_keeps_its_resume_reminder()
    {
        // Rolling upgrade: a job started by a newer silo (in a phase this build lacks, as Planning was to the build
        // before it) whose activation lands on an older silo. That silo used to drop the reminder on its first tick,
        // so no newer silo would resume the job until someone asked for its status.
        await using var cluster = await StartAsync(1);
        var storage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(Grains.Curation.CurationStorage.Name);
        var reminders = cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow);

        async Task<bool> ReminderKeptAsync(string jobId, CurationJobPhase phase)
        {
            var grainId = cluster.Client.GetGrain<ICurationJobGrain>(jobId).GetGrainId();
            await storage.WriteStateAsync("job", grainId, new GrainState<Grains.Curation.CurationJobState>(new Grains.Curation.CurationJobState { Phase = phase }));
            await reminders.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "resume", StartAt = DateTime.UtcNow.AddMinutes(1), Period = TimeSpan.FromMinutes(1) });
            await cluster.Client.GetGrain<IRemindable>(grainId).ReceiveReminder("resume", tick);
            return await reminders.ReadRow(grainId, "resume") is not null;
        }

        Assert.True(await ReminderKeptAsync("newer-phase", (CurationJobPhase)99), "a phase this build does not know keeps the reminder");
        Assert.False(await ReminderKeptAsync("finished", CurationJobPhase.Done), "a finished job's reminder is dropped");
    }

    [Fact]
    public async Task Regression_a_finished_job_answered_someone_elses_cancel_or_retry_instead_of_refusing_it()
    {
        // Cancel and Retry answered with the status of a job that had nothing left to cancel or retry before asking who
        // called: another user's cancel was refused while the job ran and answered once it was done (a test that
        // cancelled as someone else failed whenever the job had finished first).
        using var work = new TempFolder();
        await using var cluster = await StartAsync(1);
        CurationJobStatus done;
        using (JobPrincipal.Use("alice"))
        {
            done = await RunJobAsync(cluster, "alices", SampleSpec(work.Combine("out")));
        }

        Assert.True(done.Phase == CurationJobPhase.Done, done.Error);
        var job = cluster.Client.GetGrain<ICurationJobGrain>("alices");
        using (JobPrincipal.Use("bob"))
        {
            var cancel = await Assert.ThrowsAsync<CurationException>(() => job.Cancel());
            Assert.Contains("cancel job alices: it was submitted by alice", cancel.Message, StringComparison.Ordinal);
            var retry = await Assert.ThrowsAsync<CurationException>(() => job.Retry(false));
            Assert.Contains("retry job alices: it was submitted by alice", retry.Message, StringComparison.Ordinal);
        }

        using (JobPrincipal.Use("alice"))
        {
            Assert.Equal(CurationJobPhase.Done, (await job.Cancel()).Phase);
            Assert.Equal(CurationJobPhase.Done, (await job.Retry(false)).Phase);
        }
    }

    [Fact]
    public async Task A_snapshot_that_does_not_exist_fails_the_start_with_its_name()
    {
        using var work = new TempFolder();
        await using var cluster = await StartAsync(1);
        var spec = SampleSpec(work.Combine("out")) with { Snapshot = work.Combine("missing") };
        var e = await Assert.ThrowsAsync<CurationException>(() => cluster.Client.GetGrain<ICurationJobGrain>("missing").Start(spec));
        Assert.Contains("missing does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_without_english_matches_fails_with_the_fix_and_publishes_nothing()
    {
        using var work = new TempFolder();
        work.File("meta/en.json", "[\"zebra\"]");
        work.File("snap/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        await using var cluster = await StartAsync(2);
        var spec = SampleSpec(work.Combine("out")) with { Snapshot = work.Combine("snap"), Metadata = work.Combine("meta") };
        var status = await RunJobAsync(cluster, "no-english", spec);
        Assert.Equal(CurationJobPhase.Failed, status.Phase);
        Assert.Contains("no English text matched", status.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("out", "thresholds.json")));
    }

    [Fact]
    public async Task A_corrupt_file_fails_the_job_naming_it_and_publishes_nothing()
    {
        using var work = new TempFolder();
        work.File("meta/en.json", "[\"dog\"]");
        work.File("snap/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        work.File("snap/b.jsonl", "{\"uuid\": \"b\", \"lang\": \"en\", \"text\": \"a dog\"}\nnot json\n");
        await using var cluster = await StartAsync(2);
        var spec = SampleSpec(work.Combine("out")) with { Snapshot = work.Combine("snap"), Metadata = work.Combine("meta") };
        var status = await RunJobAsync(cluster, "corrupt", spec);
        Assert.Equal(CurationJobPhase.Failed, status.Phase);
        Assert.Contains("b.jsonl line 2", status.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Combine("out", "thresholds.json")));
    }

    [Fact]
    public async Task Two_jobs_run_at_once_and_each_gets_the_right_result()
    {
        using var work = new TempFolder();
        await using var cluster = await StartAsync(2);
        var first = SampleSpec(work.Combine("first"));
        var second = SampleSpec(work.Combine("second")) with { TEn = 5, Seed = 11 };
        var statuses = await Task.WhenAll(RunJobAsync(cluster, "first", first), RunJobAsync(cluster, "second", second));
        Assert.All(statuses, s => Assert.Equal(CurationJobPhase.Done, s.Phase));

        await RunEngineAsync(second, work.Combine("engine"));
        Assert.Equal(File.ReadAllBytes(work.Combine("engine", "decisions.jsonl")), File.ReadAllBytes(work.Combine("second", "decisions.jsonl")));
        Assert.NotEqual(File.ReadAllBytes(work.Combine("first", "thresholds.json")), File.ReadAllBytes(work.Combine("second", "thresholds.json")));
    }

    [Fact]
    public async Task Regression_a_job_over_an_empty_snapshot_fails_instead_of_replacing_earlier_outputs_with_nothing()
    {
        // With --p, an empty snapshot "succeeded" with 0 images and replaced earlier outputs (issue 16).
        using var work = new TempFolder();
        Directory.CreateDirectory(work.Combine("empty"));
        string earlier = work.File("out/thresholds.json", "earlier");
        await using var cluster = await StartAsync(1);
        var spec = SampleSpec(work.Combine("out")) with { Snapshot = work.Combine("empty"), TEn = null, P = 0.5 };
        var status = await RunJobAsync(cluster, "empty", spec);
        Assert.Equal(CurationJobPhase.Failed, status.Phase);
        Assert.Contains("holds no texts", status.Error, StringComparison.Ordinal);
        Assert.Equal("earlier", File.ReadAllText(earlier));
    }

    [Fact]
    public async Task A_cancelled_job_publishes_nothing_and_removes_its_intermediates()
    {
        using var work = new TempFolder();
        await using var cluster = await StartAsync(2);
        var job = cluster.Client.GetGrain<ICurationJobGrain>("cancelled");
        await job.Start(SampleSpec(work.Combine("out")));
        var status = await job.Cancel(); // the job needs far longer than this call to get through its shards
        Assert.Equal(CurationJobPhase.Cancelled, status.Phase);
        Assert.False(File.Exists(work.Combine("out", "thresholds.json")));
        Assert.False(Directory.Exists(work.Combine("out", ".work")));
    }

    [Fact]
    public async Task A_shard_matched_twice_counts_once()
    {
        using var work = new TempFolder();
        await using var cluster = await StartAsync(2);
        var spec = SampleSpec(work.Combine("out"));
        var units = await SnapshotPlanner.PlanAsync(DataStore.Local, await SnapshotFile.DiscoverAsync(DataStore.Local, spec.Snapshot, CancellationToken.None), spec.Columns, CancellationToken.None);
        var task = new ShardTask("twice", 0, units[0].File.Path, units[0].File.Name, (int)units[0].File.Format, units[0].RowGroup, work.Combine("work"), spec);
        var worker = cluster.Client.GetGrain<IShardWorkerGrain>("twice/0");
        await worker.Match(task);
        var once = await cluster.Client.GetGrain<ILanguagePartitionGrain>("twice/ar").GetCounts(); // the first row group holds ar, bg, da, el
        await cluster.Client.GetGrain<IShardWorkerGrain>("twice/0-again").Match(task);
        var twice = await cluster.Client.GetGrain<ILanguagePartitionGrain>("twice/ar").GetCounts();
        Assert.Equal(once.Counts, twice.Counts);
        Assert.Equal(1, twice.AppliedShards);
        Assert.Contains(twice.Counts, c => c > 0);
    }
}
