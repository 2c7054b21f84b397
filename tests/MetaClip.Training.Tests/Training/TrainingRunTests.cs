using MetaClip.Engine.Storage;

namespace MetaClip.Training.Tests.Training;

/// <summary>Whole training runs in a run folder, as <c>metaclip train</c> makes them, on the Fashion-MNIST sample.</summary>
public sealed class TrainingRunTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_run_cancelled_midway_and_started_again_resumes_from_its_checkpoint_and_ends_bit_identical()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        var spec = Spec(job, steps: 24);

        var whole = await new TrainingRun(spec, _dir.Combine("whole")).RunAsync();

        using var stop = new CancellationTokenSource();
        var stopping = new Progress(p =>
        {
            if (p.Step == 13)
            {
                stop.Cancel();
            }
        });
        string interrupted = _dir.Combine("interrupted");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TrainingRun(spec, interrupted, progress: stopping).RunAsync(stop.Token));
        Assert.True(File.Exists(Path.Combine(interrupted, "checkpoints", "step-00000013.ckpt")), "a cancelled run writes a checkpoint where it stopped");
        Assert.False(File.Exists(Path.Combine(interrupted, TrainingRun.ModelFile)));

        var resumed = await new TrainingRun(spec, interrupted).RunAsync();
        Assert.Equal(13, resumed.ResumedFromStep);
        Assert.Equal(File.ReadAllBytes(whole.Checkpoint), File.ReadAllBytes(resumed.Checkpoint));
        Assert.Equal(File.ReadAllLines(Path.Combine(_dir.Combine("whole"), TrainingRun.MetricsFile)).Select(StripRate),
            File.ReadAllLines(Path.Combine(interrupted, TrainingRun.MetricsFile)).Select(StripRate));
    }

    [SkippableFact]
    public async Task A_run_folder_in_blob_storage_checkpoints_there_and_resumes_from_it_bit_identical()
    {
        await using var blobs = BlobFolders.Create();
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        var spec = Spec(job, steps: 16);
        var local = await new TrainingRun(spec, _dir.Combine("local")).RunAsync();

        string run = blobs.Location("runs/fashion");
        using var stop = new CancellationTokenSource();
        var stopping = new Progress(p =>
        {
            if (p.Step == 7)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TrainingRun(spec, run, blobs.Store, stopping).RunAsync(stop.Token));
        var files = (await blobs.Store.ListAsync(run, CancellationToken.None)).Select(f => f.Name).ToList();
        Assert.Contains("checkpoints/step-00000007.ckpt", files);
        Assert.Contains(TrainingRun.SpecFile, files);
        Assert.Contains(TrainingRun.TokenizerFile, files);

        var resumed = await new TrainingRun(spec, run, blobs.Store).RunAsync();
        Assert.Equal(7, resumed.ResumedFromStep);
        Assert.Equal(DataStore.Combine(run, TrainingRun.ModelFile), resumed.Checkpoint);
        Assert.Equal(File.ReadAllBytes(local.Checkpoint), await blobs.Store.ReadAllBytesAsync(resumed.Checkpoint, CancellationToken.None));
    }

    [Fact]
    public async Task Online_training_on_the_sample_learns_zero_shot_in_every_language()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        string run = _dir.Combine("run");
        var result = await new TrainingRun(Spec(job, steps: 120) with { Online = true }, run).RunAsync();

        var tokenizer = await TrainingRun.ReadTokenizerAsync(MetaClip.Engine.Storage.DataStore.Local, run, CancellationToken.None);
        await using var file = File.OpenRead(result.Checkpoint);
        var (model, step) = ClipTrainer.ReadModel(file, result.Checkpoint);
        using (model)
        {
            Assert.Equal(120, step);
            var heldOut = await LabeledImages.LoadAsync(FashionSample.HeldOut, model.Config.ImageSize);
            var names = ClassNames.Load(FashionSample.Classes);
            Assert.Equal(12, names.Complete.Count());
            foreach (string language in names.Complete)
            {
                var zeroShot = Evaluation.ZeroShot(model, tokenizer, language, heldOut.Pixels, heldOut.Labels, names.ByLanguage[language]!);

                // 8 classes: chance is 12.5 %.
                Assert.True(zeroShot.Accuracy > 0.35, $"{language}: zero-shot {zeroShot.Accuracy:P1} after 120 steps");
            }
        }

        var metrics = File.ReadAllLines(Path.Combine(run, TrainingRun.MetricsFile));
        Assert.Equal(120, metrics.Length);
        Assert.Contains("\"epoch\":", metrics[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_with_a_sentencepiece_model_records_it_and_reads_it_back_for_evaluation()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        string run = _dir.Combine("run");
        string model = Path.Combine(AppContext.BaseDirectory, "Data", "fashion-cldr-bpe.model");
        var result = await new TrainingRun(Spec(job, steps: 3) with { Tokenizer = model }, run).RunAsync();
        Assert.Equal(3, result.Steps);
        Assert.Contains("\"kind\": \"sentencepiece\"", File.ReadAllText(Path.Combine(run, TrainingRun.TokenizerFile)), StringComparison.Ordinal);

        var tokenizer = await TrainingRun.ReadTokenizerAsync(DataStore.Local, run, CancellationToken.None);
        Assert.Equal("sentencepiece", tokenizer.Kind);
        Assert.Equal(ClipTokenizer.Reserved + 1500, tokenizer.VocabularySize);
        await using var file = File.OpenRead(result.Checkpoint);
        var (trained, _) = ClipTrainer.ReadModel(file, result.Checkpoint);
        using (trained)
        {
            Assert.Equal(tokenizer.VocabularySize, trained.VocabularySize);
        }
    }

    [Fact]
    public async Task A_run_folder_started_with_other_settings_is_refused_naming_the_file()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        string run = _dir.Combine("run");
        await new TrainingRun(Spec(job, steps: 2), run).RunAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new TrainingRun(Spec(job, steps: 3), run).RunAsync());
        Assert.Contains(Path.Combine(run, TrainingRun.SpecFile), e.Message, StringComparison.Ordinal);
        Assert.Contains("other settings", e.Message, StringComparison.Ordinal);
    }

    private static TrainingRunSpec Spec(string job, int steps) => new()
    {
        Job = job,
        Preset = "tiny",
        CheckpointEvery = 5,
        Training = new TrainingOptions { Steps = steps, BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 4, Seed = 3 },
    };

    private static string StripRate(string line) => System.Text.RegularExpressions.Regex.Replace(line, "\"(images_per_second|data_wait_share)\":[^,}]*", "");

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
