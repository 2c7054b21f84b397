namespace MetaClip.Training;

/// <summary>
/// What a training run is (kept as <c>run.json</c> in the run's folder, so that a resumed run checks it continues
/// the same run): the curation job it trains on, whether it draws afresh every epoch, the model and the loop.
/// </summary>
public sealed record TrainingRunSpec
{
    /// <summary>The curation job's output (a folder with <c>report.json</c> and <c>curated/</c>).</summary>
    public required string Job { get; init; }

    /// <summary>Online curation: every epoch a fresh balanced draw from the job's matched pool (else the job's curated set).</summary>
    public bool Online { get; init; }

    /// <summary>The model preset (<see cref="ClipConfig.Presets"/>).</summary>
    public string Preset { get; init; } = "tiny";

    /// <summary>A SentencePiece <c>.model</c> file, or null for o200k_base compacted to the training texts.</summary>
    public string? Tokenizer { get; init; }

    public TrainingOptions Training { get; init; } = new();

    /// <summary>A checkpoint every this many steps (and at the end, and when cancelled).</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Checkpoints kept in <c>checkpoints/</c> (the newest ones).</summary>
    public int KeepCheckpoints { get; init; } = 2;

    public void Validate()
    {
        Training.Validate();
        ClipConfig.Preset(Preset);
        if (CheckpointEvery < 1 || KeepCheckpoints < 1)
        {
            throw new ArgumentException($"training run: checkpoint every ({CheckpointEvery}) and checkpoints kept ({KeepCheckpoints}) must be at least 1");
        }
    }
}

/// <summary>Where a training run is, reported after every step.</summary>
public sealed record TrainingProgress(
    long Step, long Steps, double Loss, double LearningRate, double ImagesPerSecond, long Epoch, double DataWaitShare, TimeSpan? Remaining)
{
    /// <summary>Set once, before the first step: how the run started (resumed or not, pool size).</summary>
    public string? Detail { get; init; }
}

/// <summary>How a run ended.</summary>
public sealed record TrainingResult(string Run, string Checkpoint, long Steps, double FinalLoss, double ImagesPerSecond, double DataWaitShare, long ResumedFromStep, int Pairs, IReadOnlyList<string> Skipped);
