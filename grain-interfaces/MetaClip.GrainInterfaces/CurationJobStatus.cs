using MetaClip.Engine.Pipeline;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// A job's progress. Fields are only ever added (with new ids, defaulted), so a client and silos of
/// neighbouring versions understand each other during a rolling upgrade.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.CurationJobStatus.v1")]
public sealed record CurationJobStatus(
    [property: Id(0)] CurationJobPhase Phase,
    [property: Id(1)] int Shards,
    [property: Id(2)] int ShardsMatched,
    [property: Id(3)] int ShardsSampled,
    [property: Id(4)] long Texts,
    [property: Id(5)] string? Error,
    [property: Id(6)] string? Output = null)
{
    /// <summary>Per-language texts and matches so far (pass 1), and images decided and kept (pass 2).</summary>
    [Id(7)]
    public LanguageFigures[] Languages { get; init; } = [];

    /// <summary>When the job was submitted.</summary>
    [Id(8)]
    public DateTimeOffset? SubmittedAt { get; init; }

    /// <summary>Seconds the job has been running in its current phase (for rates and ETAs).</summary>
    [Id(9)]
    public double PhaseSeconds { get; init; }

    /// <summary>Shards done in the current phase by this run of the coordinator (the others were done before a resume).</summary>
    [Id(10)]
    public int PhaseShardsThisRun { get; init; }

    /// <summary>How many times the job was resumed after its coordinator was lost (silo death, cluster restart).</summary>
    [Id(11)]
    public int Resumes { get; init; }

    /// <summary>Shard runs that were repeated after a silo was lost or handed its shards back.</summary>
    [Id(12)]
    public int ShardRetries { get; init; }

    /// <summary>The silo the coordinator runs on.</summary>
    [Id(13)]
    public string? Coordinator { get; init; }

    /// <summary>Files or row groups that were reported and left out (<c>--skip-bad-files</c>).</summary>
    [Id(14)]
    public string[] SkippedFiles { get; init; } = [];

    /// <summary>Shard results (pass 1 plus pass 2) in the job's last persisted checkpoint: what a resume keeps.</summary>
    [Id(15)]
    public int ShardResultsPersisted { get; init; }

    /// <summary>Shard runs handed back by silos shutting down (counted in <see cref="ShardRetries"/> too).</summary>
    [Id(16)]
    public int ShardHandBacks { get; init; }

    /// <summary>Shards counted again because a language partition had lost their counts (storage that rolled back).</summary>
    [Id(17)]
    public int Recounts { get; init; }

    /// <summary>The job's own options (its seed, thresholds, locations), whatever later jobs did to its output folder.</summary>
    [Id(18)]
    public CurationOptions? Options { get; init; }

    /// <summary>Who submitted the job (<see cref="JobPrincipal"/>); null for a job submitted before principals were recorded.</summary>
    [Id(19)]
    public string? SubmittedBy { get; init; }

    /// <summary>Per language, once the thresholds are known: <c>t_lang</c> and the head/tail curve (the report's charts, live).</summary>
    [Id(20)]
    public LanguageCurve[] Curves { get; init; } = [];

    /// <summary>When the job ended (done, failed or cancelled); null while it runs.</summary>
    [Id(21)]
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The snapshot's files (the units of the planning phase).</summary>
    [Id(22)]
    public int Files { get; init; }

    /// <summary>Files planned (split into shards) so far; equal to <see cref="Files"/> once the job is past planning.</summary>
    [Id(23)]
    public int FilesPlanned { get; init; }
}
