using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// Coordinates one curation job (key: the job id): plans the shards, runs pass 1 (match and count) on shard
/// workers across the cluster, waits for every shard's counts (the barrier), computes the thresholds from the
/// global counts, runs pass 2 (decide) and publishes the outputs. <see cref="Start"/> answers at once.
/// The job's spec, shard plan and per-shard progress are persisted: when the coordinator's silo dies, or the
/// whole cluster restarts, the next activation (a status call, or the job's reminder) resumes the job from
/// the persisted shard states and re-runs only the shards that had not finished.
/// </summary>
[Alias("MetaClip.ICurationJobGrain"), Version(1)]
public interface ICurationJobGrain : IGrainWithStringKey
{
    /// <summary>Plans and starts the job, persists it and answers at once (idempotent: a started job returns its status).</summary>
    [Alias("Start")]
    Task<CurationJobStatus> Start(CurationJobSpec spec);

    [Alias("GetStatus")]
    Task<CurationJobStatus> GetStatus();

    /// <summary>
    /// Stops the job: no new shard starts, nothing is published, its intermediates are removed. On a failed
    /// job it discards what the job had kept for a retry.
    /// </summary>
    [Alias("Cancel")]
    Task<CurationJobStatus> Cancel();

    /// <summary>
    /// Runs a failed job again from where it stopped: the shards that finished are kept, the others run again
    /// (with <paramref name="skipBadFiles"/>, an unreadable file or row group is then reported and left out).
    /// </summary>
    [Alias("Retry")]
    Task<CurationJobStatus> Retry(bool skipBadFiles);
}

/// <summary>
/// Processes one shard of a job (key <c>{jobId}/{shardIndex}/{pass}[/{run}]</c>): a Parquet row group or a JSONL file.
/// Both calls are idempotent: a retried shard writes the same intermediate and its counts apply once.
/// </summary>
[Alias("MetaClip.IShardWorkerGrain"), Version(1)]
public interface IShardWorkerGrain : IGrainWithStringKey
{
    /// <summary>Pass 1: reads and matches the shard, stores its matches, applies its counts to the language partitions.</summary>
    [Alias("Match")]
    Task<ShardMatchSummary> Match(ShardTask task);

    /// <summary>Pass 2: decides the shard's images with the job's threshold table and writes its output parts.</summary>
    [Alias("Sample")]
    Task<ShardSampleSummary> Sample(ShardTask task, string thresholdTablePath);
}

/// <summary>What to curate and how (the same choices as <c>metaclip curate</c>; <c>Threads</c> 0 = all cores of each silo).</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.CurationJobSpec.v1")]
public sealed record CurationJobSpec(
    [property: Id(0)] string Snapshot,
    [property: Id(1)] string Metadata,
    [property: Id(2)] string Output,
    [property: Id(3)] ulong? TEn,
    [property: Id(4)] double? P,
    [property: Id(5)] ulong Seed,
    [property: Id(6)] string Mode,
    [property: Id(7)] string TextColumn,
    [property: Id(8)] string UrlColumn,
    [property: Id(9)] string UuidColumn,
    [property: Id(10)] string? LangColumn,
    [property: Id(11)] string Format,
    [property: Id(12)] int Threads = 0,
    [property: Id(13)] bool SkipBadFiles = false,
    [property: Id(14)] string? LidModel = null);

/// <summary>One shard of a job: which unit of which file.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardTask.v1")]
public sealed record ShardTask(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Index,
    [property: Id(2)] string FilePath,
    [property: Id(3)] string FileName,
    [property: Id(4)] int FileFormat,
    [property: Id(5)] int RowGroup,
    [property: Id(6)] string WorkFolder,
    [property: Id(7)] CurationJobSpec Spec)
{
    /// <summary>The shard's stable id, the key of exactly-once counting.</summary>
    public string ShardId => RowGroup < 0 ? FileName : $"{FileName}#rg{RowGroup}";
}

/// <summary>Per-language text figures of a shard.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.LanguageFigures.v1")]
public sealed record LanguageFigures(
    [property: Id(0)] string Language,
    [property: Id(1)] long Texts,
    [property: Id(2)] long MatchedTexts,
    [property: Id(3)] long ImagesDecided,
    [property: Id(4)] long ImagesKept);

[GenerateSerializer, Immutable, Alias("MetaClip.ShardMatchSummary.v1")]
public sealed record ShardMatchSummary(
    [property: Id(0)] int Index,
    [property: Id(1)] int Rows,
    [property: Id(2)] int SkippedTexts,
    [property: Id(3)] int Images,
    [property: Id(4)] LanguageFigures[] Languages,
    [property: Id(5)] string? ImageColumn,
    [property: Id(6)] bool HasKey);

[GenerateSerializer, Immutable, Alias("MetaClip.ShardSampleSummary.v1")]
public sealed record ShardSampleSummary(
    [property: Id(0)] int Index,
    [property: Id(1)] LanguageFigures[] Languages);

/// <summary>The phases of a job.</summary>
public enum CurationJobPhase
{
    NotStarted,
    Matching,
    Thresholds,
    Sampling,
    Publishing,
    Done,
    Failed,
    Cancelled,
}

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
}

/// <summary>
/// A shard's run was stopped because its silo is shutting down: the coordinator runs it again elsewhere at
/// once (this is not a failure of the shard).
/// </summary>
[GenerateSerializer, Alias("MetaClip.ShardHandedBackException")]
public sealed class ShardHandedBackException : Exception
{
    public ShardHandedBackException()
    {
    }

    public ShardHandedBackException(string message)
        : base(message)
    {
    }

    public ShardHandedBackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
