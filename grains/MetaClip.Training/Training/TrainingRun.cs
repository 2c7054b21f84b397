using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetaClip.Engine;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Training;

/// <summary>
/// One training run in a folder (local or <c>az://</c>): <c>run.json</c> (the spec), <c>tokenizer.json</c>,
/// <c>checkpoints/step-NNNNNNNN.ckpt</c> every N steps, <c>metrics.jsonl</c> (one line per step) and, at the end,
/// <c>model.ckpt</c>. Started again on the same folder it resumes from the newest checkpoint and continues bit for bit.
/// </summary>
public sealed class TrainingRun
{
    public const string SpecFile = "run.json";
    public const string TokenizerFile = "tokenizer.json";
    public const string MetricsFile = "metrics.jsonl";
    public const string ModelFile = "model.ckpt";
    public const string CheckpointsFolder = "checkpoints";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly JsonSerializerOptions JsonLine = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly TrainingRunSpec _spec;
    private readonly string _run;
    private readonly DataStore _store;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly Action<string, string>? _checkRead;

    /// <summary>
    /// A run of <paramref name="spec"/> in <paramref name="run"/>. <paramref name="checkRead"/>, when given, is asked
    /// (what, location) before each location the run reads its pairs from, and throws to refuse one: a cluster's
    /// allowed locations for the job's submitter (a user's own <c>metaclip train</c> reads anything the user can).
    /// </summary>
    public TrainingRun(TrainingRunSpec spec, string run, DataStore? store = null, IProgress<TrainingProgress>? progress = null, Action<string, string>? checkRead = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(run);
        spec.Validate();
        _spec = spec;
        _run = run;
        _store = store ?? DataStore.Local;
        _progress = progress;
        _checkRead = checkRead;
    }

    /// <summary>The pairs to train on: the job's curated set, or its matched pool drawn afresh each epoch.</summary>
    public static Task<IPairPool> LoadPoolAsync(TrainingRunSpec spec, int imageSize, DataStore store, CancellationToken cancellationToken) =>
        LoadPoolAsync(spec, imageSize, store, checkRead: null, cancellationToken);

    /// <summary>
    /// <see cref="LoadPoolAsync(TrainingRunSpec, int, DataStore, CancellationToken)"/>, asking <paramref name="checkRead"/>
    /// about every location read: each curated file, or the snapshot, metadata and LID model the job's report names
    /// and each of the snapshot's files (a link among them may lead anywhere).
    /// </summary>
    public static async Task<IPairPool> LoadPoolAsync(TrainingRunSpec spec, int imageSize, DataStore store, Action<string, string>? checkRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        if (!spec.Online)
        {
            if (DataStore.IsBlob(spec.Job))
            {
                throw new NotSupportedException($"job {spec.Job}: training reads the curated set from a local folder; copy it first (metaclip copy)");
            }

            string curated = Path.Combine(spec.Job, CuratedWriter.Folder);
            if (checkRead is not null && Directory.Exists(curated))
            {
                foreach (string file in Directory.GetFiles(curated, "*.parquet"))
                {
                    checkRead("--job", file);
                }
            }

            return await CuratedPairs.LoadAsync(curated, imageSize, cancellationToken).ConfigureAwait(false);
        }

        var report = await ReportWriter.ReadAsync(store, spec.Job, cancellationToken).ConfigureAwait(false);
        if (checkRead is not null)
        {
            checkRead("--online: the job's snapshot", report.Snapshot);
            checkRead("--online: the job's metadata", report.Metadata);
            if (report.LidModel is { Length: > 0 } model)
            {
                checkRead("--online: the job's LID model", model);
            }

            foreach (var file in await SnapshotFile.DiscoverAsync(store, report.Snapshot, cancellationToken).ConfigureAwait(false))
            {
                checkRead("--online: the job's snapshot", file.Path);
            }
        }

        var job = new CurationOptions
        {
            Snapshot = report.Snapshot,
            Metadata = report.Metadata,
            Output = spec.Job,
            TEn = report.TEn,
            P = report.TEn is null ? report.P : null,
            Seed = report.Seed,
            Mode = report.Mode == "v1" ? CurationMode.V1 : CurationMode.V2,
            Columns = report.Columns ?? new(),
            LidModel = report.LidModel,
            Threads = Environment.ProcessorCount,
        };
        var pool = await OnlineCuration.BuildAsync(job, imageSize, store, cancellationToken).ConfigureAwait(false);

        // The pool must be the job's: the same thresholds, language by language.
        foreach (var language in report.Languages)
        {
            ulong? ours = pool.Thresholds.Thresholds.TryGetValue(language.Language, out ulong t) ? t : null;
            if (language.Threshold is ulong theirs && ours != theirs)
            {
                throw new InvalidDataException($"job {spec.Job}: matching its snapshot again gives t_{language.Language} = {ours?.ToString(CultureInfo.InvariantCulture) ?? "none"}, the job had {theirs}: the snapshot or metadata changed since the job ran");
            }
        }

        return pool;
    }

    public async Task<TrainingResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var spec = _spec;
        var config = ClipConfig.Preset(spec.Preset);
        await CheckSpecAsync(cancellationToken).ConfigureAwait(false);

        var pool = await LoadPoolAsync(spec, config.ImageSize, _store, _checkRead, cancellationToken).ConfigureAwait(false);
        var tokenizer = await LoadTokenizerAsync(pool, cancellationToken).ConfigureAwait(false);

        var checkpoints = await ListCheckpointsAsync(cancellationToken).ConfigureAwait(false);
        var metrics = await ReadMetricsAsync(cancellationToken).ConfigureAwait(false);

        // Compute runs on this thread from here (TorchSharp is synchronous); checkpoints are written between steps.
        using var model = ClipModel.Create(config, tokenizer.VocabularySize, spec.Training.Seed);
        using var trainer = new ClipTrainer(model, spec.Training);
        long resumedFrom = 0;
        if (checkpoints.Count > 0)
        {
            var (step, location) = checkpoints[^1];
            await using var stream = await _store.OpenReadAsync(location, cancellationToken).ConfigureAwait(false);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
            trainer.LoadCheckpoint(copy, location);
            resumedFrom = step;
            metrics.RemoveAll(m => m.Step > step);
        }

        int imagesPerStep = spec.Training.BatchSize * spec.Training.AccumulationSteps;
        var dataset = new PairDataset(pool, tokenizer, config.ContextLength, spec.Training.AccumulationSteps, (ulong)spec.Training.Seed);
        using var batches = new PrefetchingBatches(dataset, trainer.Step, spec.Training.AccumulationSteps, spec.Training.BatchSize);
        _progress?.Report(new TrainingProgress(trainer.Step, spec.Training.Steps, double.NaN, 0, 0, 0, 0, null)
        {
            Detail = (resumedFrom > 0 ? $"resumed from step {resumedFrom}; " : "") +
                $"{pool.Texts.Count:N0} pairs in the pool{(pool is OnlineCuration online ? $" ({online.MatchedImages:N0} matched images, drawn afresh every epoch)" : "")}, vocabulary {tokenizer.VocabularySize:N0}",
        });

        var clock = Stopwatch.StartNew();
        long firstStep = trainer.Step;
        double loss = metrics.Count > 0 ? metrics[^1].Loss : double.NaN;
        while (trainer.Step < spec.Training.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                await SaveCheckpointAsync(trainer, metrics, CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }

            double lr = spec.Training.LearningRateAt(trainer.Step);
            loss = trainer.TrainStep(batches);
            double seconds = clock.Elapsed.TotalSeconds;
            long done = trainer.Step - firstStep;
            double rate = done * imagesPerStep / Math.Max(seconds, 1e-9);
            double wait = batches.WaitSeconds / Math.Max(seconds, 1e-9);
            long epoch = dataset.EpochOf((trainer.Step * imagesPerStep) - 1);
            metrics.Add(new StepMetrics(trainer.Step, loss, lr, epoch, rate, wait));
            var remaining = TimeSpan.FromSeconds((spec.Training.Steps - trainer.Step) * seconds / done);
            _progress?.Report(new TrainingProgress(trainer.Step, spec.Training.Steps, loss, lr, rate, epoch, wait, remaining));
            if (trainer.Step % spec.CheckpointEvery == 0 || trainer.Step == spec.Training.Steps)
            {
                await SaveCheckpointAsync(trainer, metrics, cancellationToken).ConfigureAwait(false);
            }
        }

        string final = DataStore.Combine(_run, ModelFile);
        await _store.WriteAsync(final, stream =>
        {
            trainer.SaveCheckpoint(stream);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        double total = clock.Elapsed.TotalSeconds;
        long trained = trainer.Step - firstStep;
        return new TrainingResult(_run, final, trainer.Step, loss, trained * imagesPerStep / Math.Max(total, 1e-9),
            trained == 0 ? 0 : batches.WaitSeconds / Math.Max(total, 1e-9), resumedFrom, pool.Texts.Count,
            pool switch { CuratedPairs c => c.Skipped, OnlineCuration o => o.Skipped, _ => [] });
    }

    /// <summary>Loads a run's tokenizer (<c>tokenizer.json</c> beside its checkpoints).</summary>
    public static async Task<ClipTokenizer> ReadTokenizerAsync(DataStore store, string run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        string location = DataStore.Combine(run, TokenizerFile);
        var saved = JsonSerializer.Deserialize<SavedTokenizer>(await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false), Json)
            ?? throw new InvalidDataException($"{location}: holds no tokenizer");
        if (saved.Kind == "o200k" && saved.KeptTokens is { } kept)
        {
            return ClipTokenizer.O200k(kept);
        }

        if (saved.Kind == "sentencepiece" && saved.Model is string model)
        {
            await using var stream = await store.OpenReadAsync(model, cancellationToken).ConfigureAwait(false);
            return ClipTokenizer.SentencePiece(stream, model);
        }

        throw new InvalidDataException($"{location}: tokenizer kind '{saved.Kind}' without its vocabulary or model");
    }

    private async Task<ClipTokenizer> LoadTokenizerAsync(IPairPool pool, CancellationToken cancellationToken)
    {
        string location = DataStore.Combine(_run, TokenizerFile);
        if (await _store.KindAsync(location, cancellationToken).ConfigureAwait(false) == StoredKind.File)
        {
            return await ReadTokenizerAsync(_store, _run, cancellationToken).ConfigureAwait(false);
        }

        ClipTokenizer tokenizer;
        if (_spec.Tokenizer is string model)
        {
            await using var stream = await _store.OpenReadAsync(model, cancellationToken).ConfigureAwait(false);
            tokenizer = ClipTokenizer.SentencePiece(stream, model);
        }
        else
        {
            tokenizer = ClipTokenizer.O200k(pool.Texts);
        }

        var saved = new SavedTokenizer(tokenizer.Kind, tokenizer.KeptTokens, _spec.Tokenizer);
        await _store.WriteAsync(location, stream => JsonSerializer.SerializeAsync(stream, saved, Json, cancellationToken), cancellationToken).ConfigureAwait(false);
        return tokenizer;
    }

    private async Task CheckSpecAsync(CancellationToken cancellationToken)
    {
        string location = DataStore.Combine(_run, SpecFile);
        string ours = JsonSerializer.Serialize(_spec, Json);
        if (await _store.KindAsync(location, cancellationToken).ConfigureAwait(false) == StoredKind.File)
        {
            string theirs = Encoding.UTF8.GetString(await _store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false));
            if (theirs != ours)
            {
                throw new InvalidOperationException($"{location}: the run in this folder was started with other settings; resume it with the same ones (see the file) or train into a new folder");
            }

            return;
        }

        await _store.WriteAsync(location, stream => stream.WriteAsync(Encoding.UTF8.GetBytes(ours), cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<(long Step, string Location)>> ListCheckpointsAsync(CancellationToken cancellationToken)
    {
        string folder = DataStore.Combine(_run, CheckpointsFolder);
        if (await _store.KindAsync(folder, cancellationToken).ConfigureAwait(false) != StoredKind.Folder)
        {
            return [];
        }

        var found = new List<(long, string)>();
        foreach (var file in await _store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            if (file.Name.StartsWith("step-", StringComparison.Ordinal) && file.Name.EndsWith(".ckpt", StringComparison.Ordinal)
                && long.TryParse(file.Name["step-".Length..^".ckpt".Length], NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                found.Add((step, file.Location));
            }
        }

        return [.. found.OrderBy(f => f.Item1)];
    }

    private async Task SaveCheckpointAsync(ClipTrainer trainer, List<StepMetrics> metrics, CancellationToken cancellationToken)
    {
        string location = DataStore.Combine(_run, $"{CheckpointsFolder}/step-{trainer.Step:D8}.ckpt");
        await _store.WriteAsync(location, stream =>
        {
            trainer.SaveCheckpoint(stream);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);

        var text = new StringBuilder();
        foreach (var m in metrics)
        {
            text.Append(JsonSerializer.Serialize(m, JsonLine)).Append('\n');
        }

        await _store.WriteAsync(DataStore.Combine(_run, MetricsFile), stream => stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
        var all = await ListCheckpointsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (_, old) in all.Take(Math.Max(0, all.Count - _spec.KeepCheckpoints)))
        {
            await _store.DeleteAsync(old, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<StepMetrics>> ReadMetricsAsync(CancellationToken cancellationToken)
    {
        string location = DataStore.Combine(_run, MetricsFile);
        if (await _store.KindAsync(location, cancellationToken).ConfigureAwait(false) != StoredKind.File)
        {
            return [];
        }

        string text = Encoding.UTF8.GetString(await _store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false));
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((line, i) =>
            JsonSerializer.Deserialize<StepMetrics>(line, JsonLine) ?? throw new InvalidDataException($"{location} line {i + 1}: not a step's metrics"))];
    }

    private sealed record SavedTokenizer(string Kind, IReadOnlyList<int>? KeptTokens, string? Model);
}

/// <summary>One line of <c>metrics.jsonl</c>.</summary>
public sealed record StepMetrics(long Step, double Loss, double LearningRate, long Epoch, double ImagesPerSecond, double DataWaitShare);
