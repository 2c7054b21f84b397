using MetaClip.Client.Commands;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// <c>metaclip submit/watch/status/jobs/results</c> against a real cluster of silo processes on loopback (Azure
/// Table membership and Azure Blob grain state on Azurite), compared with the single-process engine; silo
/// processes killed mid-job, one and all.
/// </summary>
public sealed class ClusterCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task A_job_submitted_to_two_silo_processes_gives_the_engine_result_and_can_be_followed()
    {
        // No --lang-column: the silos identify every text's language with lid.176, as the README's submit does.
        string model = LidModelFile.Require();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require());
        await silos.StartAllAsync();
        string[] job = ["--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"), "--lid-model", model, "--t-en", "20"];
        Assert.Equal(0, (await CliRun.RunAsync(["curate", .. job, "--out", _dir.Combine("engine"), "--engine-only"])).ExitCode);

        var submit = await CliRun.RunAsync(["submit", .. job, "--out", _dir.Combine("cluster"), .. silos.ClientOptions]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        string id = submit.Output.Split(' ')[2];

        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error);
        Assert.Contains("Results: " + _dir.Combine("cluster"), watch.Output, StringComparison.Ordinal);
        AssertSameOutputs(_dir.Combine("engine"), _dir.Combine("cluster"));

        var status = await CliRun.RunAsync(["status", id, .. silos.ClientOptions]);
        Assert.Contains($"{id}: Done; shards matched 6/6, sampled 6/6", status.Output, StringComparison.Ordinal);

        // The silos' /metrics (Prometheus) add up to the job: its 2 files planned (on the workers), 6 shards matched,
        // 6 sampled, every text counted once.
        Assert.Equal(2, await silos.MetricAsync("metaclip_shards_total", "pass=\"plan\""));
        Assert.Equal(6, await silos.MetricAsync("metaclip_shards_total", "pass=\"match\""));
        Assert.Equal(6, await silos.MetricAsync("metaclip_shards_total", "pass=\"sample\""));
        Assert.Equal(4650, await silos.MetricAsync("metaclip_texts_total"));
        Assert.Equal(1, await silos.MetricAsync("metaclip_jobs_total", "outcome=\"done\""));
        Assert.True(await silos.MetricAsync("metaclip_partials_total", "outcome=\"applied\"") >= 6);

        var jobs = await CliRun.RunAsync(["jobs", .. silos.ClientOptions]);
        Assert.Contains(id, jobs.Output, StringComparison.Ordinal);
        Assert.Contains("Done", jobs.Output, StringComparison.Ordinal);

        var results = await CliRun.RunAsync(["results", id, .. silos.ClientOptions]);
        Assert.True(results.ExitCode == 0, results.Error);
        Assert.Contains("Results: " + _dir.Combine("cluster"), results.Output, StringComparison.Ordinal);
        Assert.Contains("zh ", results.Output, StringComparison.Ordinal);
        Assert.Contains("t_en = 20", results.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_snapshot_copied_to_blob_storage_is_curated_by_silo_processes_into_a_blob_prefix_and_copied_back()
    {
        // The client reads the account from the environment, as a user's shell gives it (the same value in every test).
        string connection = AzuriteStorage.Require();
        Environment.SetEnvironmentVariable(DataStore.ConnectionStringVariable, connection);
        await using var blobs = BlobFolders.Create();
        await using var silos = new SiloProcesses(2, connection);
        await silos.StartAllAsync();
        string[] options = ["--lang-column", "lang", "--t-en", "20"];
        Assert.Equal(0, (await CliRun.RunAsync(["curate", "--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"),
            "--out", _dir.Combine("engine"), "--engine-only", .. options])).ExitCode);

        var upload = await CliRun.RunAsync("copy", Repository.Path("samples", "snapshot"), blobs.Location("snapshots/sample"));
        Assert.True(upload.ExitCode == 0, upload.Error);
        Assert.StartsWith($"Copied 2 files from {Repository.Path("samples", "snapshot")} to {blobs.Location("snapshots/sample")}", upload.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRun.RunAsync("copy", Repository.Path("samples", "metadata"), blobs.Location("metadata"))).ExitCode);

        string output = blobs.Location("curated/sample");
        var submit = await CliRun.RunAsync(["submit", "--snapshot", blobs.Location("snapshots/sample"), "--metadata", blobs.Location("metadata"), "--out", output, .. options, .. silos.ClientOptions]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        string id = submit.Output.Split(' ')[2];
        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
        Assert.Contains("Results: " + output, watch.Output, StringComparison.Ordinal);

        var results = await CliRun.RunAsync(["results", id, .. silos.ClientOptions]);
        Assert.True(results.ExitCode == 0, results.Error);
        Assert.Contains($"Report:  {output}/report.html", results.Output, StringComparison.Ordinal);

        var download = await CliRun.RunAsync("copy", output, _dir.Combine("cluster"));
        Assert.True(download.ExitCode == 0, download.Error);
        AssertSameOutputs(_dir.Combine("engine"), _dir.Combine("cluster"));
    }

    [SkippableFact]
    public async Task Copying_from_a_blob_prefix_that_does_not_exist_is_an_error_naming_it()
    {
        Environment.SetEnvironmentVariable(DataStore.ConnectionStringVariable, AzuriteStorage.Require());
        await using var blobs = BlobFolders.Create();
        var run = await CliRun.RunAsync("copy", blobs.Location("nothing/here"), _dir.Combine("x"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Equal($"metaclip: error: {blobs.Location("nothing/here")} does not exist", run.ErrorLine);
    }

    [SkippableFact]
    public async Task Killing_a_silo_process_mid_job_still_gives_the_engine_result()
    {
        var job = RealJob();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require());
        string id = await SubmitUnderWayAsync(silos, job, s => s.ShardsMatched >= 2);

        // Kill the second silo (SIGKILL) with the job under way: its shards and activations are lost.
        silos.Kill(1);
        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
        await AssertEngineResultAsync(job);
    }

    [SkippableFact]
    public async Task Watch_goes_on_through_another_gateway_within_seconds_when_its_silo_dies_and_never_steps_back()
    {
        // It froze for 30 s (a status call to the dead silo waited out Orleans' response timeout) and its shard count
        // stepped back (11 -> 10) when the resumed coordinator's saved state was older than what it had shown. Four times
        // the usual job, so that it is still matching when the watch has started and the silo is killed (on a CI run the
        // usual one was done before the watch's first line, which then was its last).
        var job = RealJob(rows: 240_000, stride: 2);
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require());
        string id = await SubmitUnderWayAsync(silos, job, s => s.ShardsMatched >= 1);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var watch = MetaClipCommandLine.RunAsync(["watch", id, .. silos.ClientOptions], output, error, interactive: false, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2));
        silos.Kill(0);
        int code = await watch;
        Assert.True(code == 0, error + "\n" + output + "\n" + silos.Logs());
        await AssertEngineResultAsync(job);

        // Plain progress lines: "[  12.3s] match and count: shard 7/24, ...": at least one every few seconds, and the
        // shards done never fewer than the line before in the same phase.
        var lines = output.ToString().Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\[\s*([0-9.]+)s\] ([a-z ]+?)(?:: shard (\d+)/\d+)?(?:[,:—]|$)"))
            .Where(m => m.Success).Select(m => (Seconds: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Phase: m.Groups[2].Value,
                Shards: m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : -1)).ToList();
        Assert.True(lines.Count > 2, output.ToString());
        for (int i = 1; i < lines.Count; i++)
        {
            Assert.True(lines[i].Seconds - lines[i - 1].Seconds < 10, $"no progress line for {lines[i].Seconds - lines[i - 1].Seconds:0.0} s:\n{output}");
            if (lines[i].Phase == lines[i - 1].Phase && lines[i].Shards >= 0 && lines[i - 1].Shards >= 0)
            {
                Assert.True(lines[i].Shards >= lines[i - 1].Shards, $"the shard count stepped back:\n{output}");
            }
        }
    }

    [SkippableFact]
    public async Task Restarting_every_silo_process_mid_job_resumes_it_and_gives_the_engine_result()
    {
        var job = RealJob();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require());
        string id = await SubmitUnderWayAsync(silos, job, s => s.ShardResultsPersisted >= 2);

        silos.Kill(0);
        silos.Kill(1);
        await silos.StartAllAsync();

        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
        var status = await CliRun.RunAsync(["status", id, .. silos.ClientOptions]);
        Assert.Contains($"{id}: Done", status.Output, StringComparison.Ordinal);
        await using (var client = await silos.ConnectAsync())
        {
            Assert.True((await client.Services.GetRequiredService<IClusterClient>().GetGrain<ICurationJobGrain>(id).GetStatus()).Resumes >= 1);
        }

        await AssertEngineResultAsync(job);
    }

    [SkippableFact]
    public async Task A_rolling_restart_one_silo_at_a_time_mid_job_gives_the_engine_result()
    {
        // The procedure of a rolling upgrade: each silo in turn stops gracefully (SIGTERM) and comes back, while a
        // job runs; its shards are handed back and run elsewhere, its coordinator moves, and the output is the engine's.
        var job = RealJob();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require());
        string id = await SubmitUnderWayAsync(silos, job, s => s.ShardsMatched >= 1);
        for (int i = 0; i < 2; i++)
        {
            await silos.StopAsync(i);
            await silos.StartAsync(i);
        }

        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
        await AssertEngineResultAsync(job);
    }

    [SkippableFact]
    public async Task Status_watch_cancel_and_retry_of_a_job_the_cluster_does_not_know_are_one_line_errors()
    {
        // status and cancel used to print "NotStarted ... 0/0" and exit 0.
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require());
        await silos.StartAllAsync();
        foreach (string command in new[] { "status", "watch", "cancel", "retry", "results" })
        {
            var run = await CliRun.RunAsync([command, "no-such-job", .. silos.ClientOptions]);
            Assert.True(run.ExitCode == MetaClipCommandLine.InputError, $"{command}: exit {run.ExitCode}\n{run.Output}{run.Error}");
            Assert.Equal("metaclip: error: no job no-such-job on this cluster", run.ErrorLine);
            Assert.Equal(string.Empty, run.Output);
        }
    }

    [SkippableFact]
    public async Task Regression_results_of_a_job_whose_outputs_a_later_job_replaced_say_so()
    {
        // Two jobs, one --out: 'results' of the first showed the second job's thresholds and report as its own (issue 16).
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require());
        await silos.StartAllAsync();
        string[] job = ["--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--out", _dir.Combine("out"), .. silos.ClientOptions];
        async Task<string> RunAsync(string tEn)
        {
            var submit = await CliRun.RunAsync(["submit", .. job, "--t-en", tEn]);
            Assert.True(submit.ExitCode == 0, submit.Error);
            string id = submit.Output.Split(' ')[2];
            var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
            Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
            return id;
        }

        string first = await RunAsync("20");
        string second = await RunAsync("5");

        var results = await CliRun.RunAsync(["results", first, .. silos.ClientOptions]);
        Assert.True(results.ExitCode == MetaClipCommandLine.InputError, $"exit {results.ExitCode}\n{results.Output}{results.Error}");
        Assert.Contains($"job {first}'s outputs at {_dir.Combine("out")} were replaced by job {second}", results.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("(this job: t_en = 20,", results.ErrorLine, StringComparison.Ordinal);
        Assert.Equal(string.Empty, results.Output);

        var latest = await CliRun.RunAsync(["results", second, .. silos.ClientOptions]);
        Assert.True(latest.ExitCode == 0, latest.Error);
        Assert.Contains("t_en = 5", latest.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_option_that_is_not_host_and_port_is_a_one_line_error()
    {
        var status = await CliRun.RunAsync("status", "x", "--cluster", "nowhere");
        Assert.Equal(MetaClipCommandLine.InputError, status.ExitCode);
        Assert.Contains("--cluster nowhere: expected HOST:PORT", status.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_cluster_without_a_connection_string_is_a_one_line_error()
    {
        // Other tests of this class set the variable for the process (the client reads it as a shell gives it): this
        // one runs without it, whatever ran before (it used to skip, or fail, depending on the order of the tests).
        string? before = Environment.GetEnvironmentVariable(DataStore.ConnectionStringVariable);
        Environment.SetEnvironmentVariable(DataStore.ConnectionStringVariable, null);
        try
        {
            var status = await CliRun.RunAsync("status", "x", "--cluster", "azure-table");
            Assert.Equal(MetaClipCommandLine.InputError, status.ExitCode);
            Assert.Contains("METACLIP_STORAGE_CONNECTION_STRING", status.ErrorLine, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataStore.ConnectionStringVariable, before);
        }
    }

    [Fact]
    public async Task A_local_port_without_a_cluster_is_a_one_line_error_not_a_hang()
    {
        int closed = SiloProcesses.FreePorts(1)[0];
        var status = await CliRun.RunAsync("status", "x", "--cluster", $"127.0.0.1:{closed}");
        Assert.Equal(MetaClipCommandLine.InputError, status.ExitCode);
        Assert.Contains("cannot reach the cluster", status.ErrorLine, StringComparison.Ordinal);
    }

    /// <summary>60,000 real captions in 24 shards (by default), matched on one thread a shard: long enough to kill silos mid-job.</summary>
    private string[] RealJob(int rows = 60_000, int rowsPerFile = 2_500, int stride = 8)
    {
        string shared = SharedFolder.Require();
        string snapshot = RealSnapshot.Write(shared, _dir.Combine("snapshot"), rows: rows, rowsPerFile: rowsPerFile, stride: stride);
        return ["--snapshot", snapshot, "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20", "--threads", "1"];
    }

    /// <summary>Starts the silos, submits the job and waits until it is under way (and not yet done).</summary>
    private static async Task<string> SubmitUnderWayAsync(SiloProcesses silos, string[] job, Func<CurationJobStatus, bool> underWay)
    {
        await silos.StartAllAsync();
        var submit = await CliRun.RunAsync(["submit", .. job, "--out", Path.Combine(job[1], "..", "cluster"), .. silos.ClientOptions]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        string id = submit.Output.Split(' ')[2];
        await using var client = await silos.ConnectAsync();
        var before = await WaitAsync(client, id, underWay);
        Assert.True(before.Phase != CurationJobPhase.Done, "the job finished before silos could be killed: use a bigger snapshot");
        return id;
    }

    private async Task AssertEngineResultAsync(string[] job)
    {
        var engine = await CliRun.RunAsync(["curate", .. job, "--out", _dir.Combine("engine"), "--engine-only"]);
        Assert.True(engine.ExitCode == 0, engine.Error);
        AssertSameOutputs(_dir.Combine("engine"), _dir.Combine("cluster"));
    }

    internal static void AssertSameOutputs(string expected, string actual)
    {
        var files = new[] { "thresholds.json", "decisions.jsonl", "curated/part-00000.parquet" }
            .Concat(Directory.GetFiles(Path.Combine(expected, "entry_counts")).Select(f => "entry_counts/" + Path.GetFileName(f)));
        foreach (string file in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
        }

        Assert.False(Directory.Exists(Path.Combine(actual, ".work")), "the job's intermediates are removed once published");
    }

    private static async Task<CurationJobStatus> WaitAsync(TestClient client, string id, Func<CurationJobStatus, bool> until)
    {
        var job = client.Services.GetRequiredService<IClusterClient>().GetGrain<ICurationJobGrain>(id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var status = await job.GetStatus();
            if (until(status) || status.Phase is CurationJobPhase.Done or CurationJobPhase.Failed)
            {
                Assert.True(status.Phase != CurationJobPhase.Failed, status.Error);
                return status;
            }

            await Task.Delay(25, timeout.Token);
        }
    }
}
