using System.Text.Json;
using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// <c>metaclip train</c> and <c>metaclip eval</c> as the README runs them on the Fashion-MNIST sample: in this process,
/// and submitted to real silo processes of which one accepts training.
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Train_then_eval_on_the_curated_sample_learns_in_every_language()
    {
        string job = await CurateAsync();
        string run = _dir.Combine("run");
        var train = await CliRun.RunAsync("train", "--job", job, "--online", "--steps", "120", "--batch", "32", "--lr", "2e-3", "--checkpoint-every", "50", "--out", run, "--threads", "2");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("drawn afresh every epoch", train.Output, StringComparison.Ordinal);
        Assert.Contains("Trained 120 steps", train.Output, StringComparison.Ordinal);
        Assert.Contains("Model:   " + Path.Combine(run, "model.ckpt"), train.Output, StringComparison.Ordinal);

        string results = _dir.Combine("zeroshot.json");
        var eval = await CliRun.RunAsync("eval", "--checkpoint", run, "--task", "zeroshot", "--images", FashionSample.HeldOut, "--classes", FashionSample.Classes, "--out", results);
        Assert.True(eval.ExitCode == 0, eval.Error);
        using var doc = JsonDocument.Parse(File.ReadAllText(results));
        var accuracy = doc.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("language").GetString()!, r => r.GetProperty("accuracy").GetDouble());
        Assert.Equal(12, accuracy.Count);
        Assert.All(accuracy, a => Assert.True(a.Value > 0.35, $"{a.Key}: {a.Value:P1} (chance 12.5 %)"));

        var retrieval = await CliRun.RunAsync("eval", "--checkpoint", Path.Combine(run, "model.ckpt"), "--task", "retrieval", "--pairs", Path.Combine(job, "curated"));
        Assert.True(retrieval.ExitCode == 0, retrieval.Error);
        Assert.Contains("retrieval recall@1/5/10", retrieval.Output, StringComparison.Ordinal);
        Assert.Contains("  ja ", retrieval.Output, StringComparison.Ordinal);

        // The same command again finds the finished run and does no step twice.
        var again = await CliRun.RunAsync("train", "--job", job, "--online", "--steps", "120", "--batch", "32", "--lr", "2e-3", "--checkpoint-every", "50", "--out", run, "--threads", "2");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("resumed from step 120", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_on_a_job_without_image_bytes_fails_naming_what_is_missing()
    {
        var curate = await CliRun.RunAsync("curate", "--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"),
            "--lang-column", "lang", "--t-en", "20", "--out", _dir.Combine("job"), "--engine-only");
        Assert.True(curate.ExitCode == 0, curate.Error);
        var train = await CliRun.RunAsync("train", "--job", _dir.Combine("job"), "--steps", "5", "--out", _dir.Combine("run"));
        Assert.Equal(1, train.ExitCode);
        Assert.Contains("has no image column (image, jpg or png)", train.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asking_for_cuda_on_a_cpu_libtorch_is_an_error_saying_how_to_get_one()
    {
        string job = await CurateAsync();
        var train = await CliRun.RunAsync("train", "--job", job, "--steps", "5", "--device", "cuda", "--out", _dir.Combine("run"));
        Assert.Equal(1, train.ExitCode);
        Assert.Contains("libtorch sees no CUDA device", train.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("-p:TorchBackend=cuda", train.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_of_a_folder_that_is_not_a_run_is_an_error_naming_it()
    {
        Directory.CreateDirectory(_dir.Combine("empty"));
        var eval = await CliRun.RunAsync("eval", "--checkpoint", _dir.Combine("empty"), "--task", "retrieval", "--pairs", _dir.Combine("empty"));
        Assert.Equal(1, eval.ExitCode);
        Assert.Contains(_dir.Combine("empty"), eval.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("not a training run", eval.ErrorLine, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_training_job_submitted_to_silo_processes_trains_on_the_training_silo_and_the_other_never_loads_torchsharp()
    {
        string job = await CurateAsync();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require(), trainingSilos: new HashSet<int> { 1 });
        await silos.StartAllAsync();
        string run = _dir.Combine("run");

        var submit = await CliRun.RunAsync(["train", "--job", job, "--online", "--steps", "80", "--batch", "32", "--lr", "2e-3", "--checkpoint-every", "20", "--out", run, "--submit", .. silos.ClientOptions]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        string id = submit.Output.Split(' ')[3];
        Assert.StartsWith("train-", id, StringComparison.Ordinal);

        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
        Assert.Contains($"{id}: Done; step 80/80", watch.Output, StringComparison.Ordinal);
        Assert.Contains("Model:   " + Path.Combine(run, "model.ckpt"), watch.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "model.ckpt")));

        using var cpu = JsonDocument.Parse(await silos.HealthAsync(0));
        using var gpu = JsonDocument.Parse(await silos.HealthAsync(1));
        Assert.False(cpu.RootElement.GetProperty("training").GetBoolean());
        Assert.False(cpu.RootElement.GetProperty("torchLoaded").GetBoolean(), "the silo that does not train never loads TorchSharp");
        Assert.True(gpu.RootElement.GetProperty("training").GetBoolean());
        Assert.True(gpu.RootElement.GetProperty("torchLoaded").GetBoolean());

        // The training silo's /metrics counted every step and pair.
        Assert.Equal(80, await silos.MetricAsync("metaclip_training_steps_total"));
        Assert.Equal(80 * 32, await silos.MetricAsync("metaclip_training_images_total"));
    }

    [SkippableFact]
    public async Task A_finished_training_job_stays_done_after_the_whole_cluster_restarts_and_is_listed_with_the_jobs()
    {
        // The job's Done state used to be lost (the timer that saved it disposed itself first): after a restart the job
        // came back Running, "resumed", and trained again.
        string job = await CurateAsync();
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), trainingSilos: new HashSet<int> { 0 });
        await silos.StartAllAsync();
        string run = _dir.Combine("run");
        var submit = await CliRun.RunAsync(["train", "--job", job, "--steps", "10", "--batch", "16", "--checkpoint-every", "5", "--out", run, "--submit", .. silos.ClientOptions]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        string id = submit.Output.Split(' ')[3];
        Assert.Contains($"metaclip watch {id} --cluster {silos.Gateways}", submit.Output, StringComparison.Ordinal);

        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + "\n" + silos.Logs());
        Assert.Contains($"{id}: Done; step 10/10", watch.Output, StringComparison.Ordinal);

        var jobs = await CliRun.RunAsync(["jobs", .. silos.ClientOptions]);
        Assert.True(jobs.ExitCode == 0, jobs.Error);
        Assert.Contains(id, jobs.Output, StringComparison.Ordinal);
        Assert.Contains("Done", jobs.Output, StringComparison.Ordinal);
        Assert.Contains("step 10/10", jobs.Output, StringComparison.Ordinal);

        var cancel = await CliRun.RunAsync(["cancel", id, .. silos.ClientOptions]);
        Assert.Equal(MetaClipCommandLine.Success, cancel.ExitCode);
        Assert.Contains($"Job {id} is already done: nothing to cancel.", cancel.Output, StringComparison.Ordinal);

        // The state write follows the phase by a moment; then the whole cluster stops hard and comes back.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var written = File.GetLastWriteTimeUtc(Path.Combine(run, "model.ckpt"));
        silos.Kill(0);
        await silos.StartAllAsync();
        var status = await CliRun.RunAsync(["status", id, .. silos.ClientOptions]);
        Assert.True(status.ExitCode == 0, status.Error + "\n" + silos.Logs());
        Assert.Contains($"{id}: Done; step 10/10", status.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("resumed", status.Output, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(run, "model.ckpt")));
        Assert.DoesNotContain("OperationCanceledException", silos.Logs(), StringComparison.Ordinal);
    }

    private async Task<string> CurateAsync()
    {
        string job = _dir.Combine("job");
        var curate = await CliRun.RunAsync("curate", "--snapshot", FashionSample.Snapshot, "--metadata", FashionSample.Metadata, "--lang-column", "lang", "--t-en", "60", "--out", job, "--engine-only");
        Assert.True(curate.ExitCode == 0, curate.Error);
        return job;
    }
}
