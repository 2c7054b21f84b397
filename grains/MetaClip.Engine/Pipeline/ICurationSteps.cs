using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Pipeline;

/// <summary>
/// The steps of a curation job (docs/architecture.md, "One implementation of each step"). <see cref="CurationSteps"/>
/// is their one implementation: <see cref="CurationPipeline"/> runs them in one process (<c>--engine-only</c>), and
/// the cluster's grains run the same calls on shards and add only distribution, persistence and retries. A change
/// to a step is a change here, and both paths have it.
/// </summary>
public interface ICurationSteps
{
    /// <summary>The snapshot's files, in order: what the plan splits into units (the shards of a job), file by file.</summary>
    Task<IReadOnlyList<SnapshotFile>> DiscoverAsync(CurationOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Plan of one file: its units in order — a Parquet row group or a whole JSONL file each, or ranges of them when
    /// they are larger than the job's shard size (<see cref="SnapshotPlanner"/>). A file that cannot be opened or read
    /// fails with a <see cref="CurationException"/> naming it; with <see cref="CurationOptions.SkipBadFiles"/> the caller
    /// reports it and leaves it out.
    /// </summary>
    Task<IReadOnlyList<SnapshotUnit>> PlanFileAsync(SnapshotFile file, CurationOptions options, CancellationToken cancellationToken);

    /// <summary>Pass 1 on one unit: language of every text, its matched entries, and the unit's partial counts.</summary>
    MatchedUnit MatchUnit(UnitRows rows, UnitMatcher matcher, CancellationToken cancellationToken);

    /// <summary>
    /// Thresholds from the job's global counts: <c>p</c>, every <c>t_lang</c> and the entry probabilities. A job with no
    /// text, or whose <c>p</c> cannot be derived, fails here naming the cause (<paramref name="texts"/>: the job's
    /// figures per language; <paramref name="metadata"/>: its lists and lid map).
    /// </summary>
    ThresholdTable ComputeThresholds(IReadOnlyDictionary<string, EntryCounts> counts, LanguageTallies texts, MetadataSet metadata, CurationOptions options);

    /// <summary>
    /// Pass 2 on one unit: one decision per matched image, the kept rows (with their image bytes when the output is
    /// Parquet; JSON Lines has no image column) and the unit's figures. A
    /// unit read back from its intermediate (without texts) is read from the snapshot again first
    /// (<see cref="UnitMatches.WithTexts"/>).
    /// </summary>
    Task<SampledUnit> DecideUnitAsync(UnitMatches unit, ThresholdTable thresholds, CurationOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Publish: a staged writer of job <paramref name="job"/>'s outputs, put in place by <see cref="CurationPublisher.CommitAsync"/>
    /// (which records the job in the folder's manifest).
    /// </summary>
    Task<CurationPublisher> OpenPublisherAsync(CurationOptions options, PublishedColumns columns, string job, CancellationToken cancellationToken);
}
