using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// One training run on the cluster (key: the training job id). Activates only on a silo that can train
/// (<c>accelerator=gpu</c>, or <c>training=accept</c>), runs the training loop off the grain's turn, checkpoints into
/// the run folder, and — when its silo dies — resumes from the newest checkpoint on the next activation (its
/// reminder, or a status call), on another such silo. <see cref="Start"/> answers at once.
/// </summary>
[Alias("MetaClip.ITrainingJobGrain"), Version(1)]
public interface ITrainingJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the run (idempotent: a started job returns its status).</summary>
    [Alias("Start")]
    Task<TrainingJobStatus> Start(TrainingJobSpec spec);

    [Alias("GetStatus")]
    Task<TrainingJobStatus> GetStatus();

    /// <summary>Stops the run after the current step, writing a checkpoint; the run folder keeps what was done.</summary>
    [Alias("Cancel")]
    Task<TrainingJobStatus> Cancel();
}

/// <summary>
/// What to train (the same choices as <c>metaclip train</c>). Fields added later are nullable, null meaning the
/// default: a spec from an older client arrives without them, and deserialisation leaves them null (it does not run
/// the constructor's default values).
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.TrainingJobSpec.v1")]
public sealed record TrainingJobSpec(
    [property: Id(0)] string CurationOutput,
    [property: Id(1)] string Run,
    [property: Id(2)] bool Online,
    [property: Id(3)] string Preset,
    [property: Id(4)] int Steps,
    [property: Id(5)] int BatchSize,
    [property: Id(6)] int AccumulationSteps,
    [property: Id(7)] double LearningRate,
    [property: Id(8)] int WarmupSteps,
    [property: Id(9)] long Seed,
    [property: Id(10)] int CheckpointEvery,
    [property: Id(11)] string? Tokenizer = null,
    [property: Id(12)] string? Device = null,
    [property: Id(13)] string? Precision = null);

public enum TrainingJobPhase
{
    Pending,
    Running,
    Done,
    Failed,
    Cancelled,
}

/// <summary>Where a training job is: the last step, loss, throughput and ETA, and which silo trains it.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.TrainingJobStatus.v1")]
public sealed record TrainingJobStatus(
    [property: Id(0)] string JobId,
    [property: Id(1)] TrainingJobPhase Phase,
    [property: Id(2)] long Step,
    [property: Id(3)] long Steps,
    [property: Id(4)] double Loss,
    [property: Id(5)] double ImagesPerSecond,
    [property: Id(6)] long Epoch,
    [property: Id(7)] double? RemainingSeconds,
    [property: Id(8)] string? Silo,
    [property: Id(9)] int Resumes,
    [property: Id(10)] string? Run,
    [property: Id(11)] string? Error,
    [property: Id(12)] string? Detail)
{
    /// <summary>Who submitted the job (<see cref="JobPrincipal"/>); null for a job submitted before principals were recorded.</summary>
    [Id(13)]
    public string? SubmittedBy { get; init; }
}

/// <summary>The persisted state of a training job grain.</summary>
[GenerateSerializer, Alias("MetaClip.TrainingJobState.v1")]
public sealed class TrainingJobState
{
    [Id(0)] public TrainingJobSpec? Spec { get; set; }

    [Id(1)] public TrainingJobPhase Phase { get; set; }

    [Id(2)] public long Step { get; set; }

    [Id(3)] public double Loss { get; set; } = double.NaN;

    [Id(4)] public int Resumes { get; set; }

    [Id(5)] public string? Error { get; set; }

    [Id(6)] public DateTimeOffset SubmittedAt { get; set; }

    [Id(7)] public long ResumedFromStep { get; set; }

    /// <summary>Who submitted the job (<see cref="JobPrincipal"/>).</summary>
    [Id(8)] public string? SubmittedBy { get; set; }
}
