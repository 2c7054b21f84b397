using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.GrainInterfaces;

/// <summary>One shard of a job: which unit of which file (and which range of it, when the unit was split: <see cref="RangeEnd"/> &gt; 0).</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardTask.v1")]
public sealed record ShardTask(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Index,
    [property: Id(2)] string FilePath,
    [property: Id(3)] string FileName,
    [property: Id(4)] int FileFormat,
    [property: Id(5)] int RowGroup,
    [property: Id(6)] string WorkFolder,
    [property: Id(7)] CurationOptions Spec,
    [property: Id(8)] long RangeStart = 0,
    [property: Id(9)] long RangeEnd = 0,
    [property: Id(10)] int RangeFirstLine = 0)
{
    /// <summary>
    /// Set by the coordinator for pass 2 of a JSON Lines output: the worker writes its kept rows as finished curated lines
    /// (with a <c>key</c> field when true: whether any shard of the job has keys), so that publishing them is a copy.
    /// Null (a task of an older coordinator): the rows in their binary form, formatted by the publisher.
    /// </summary>
    [Id(11)]
    public bool? CuratedLinesWithKey { get; init; }

    /// <summary>
    /// Set by the coordinator for pass 2 of a job with one part per shard: the worker writes the shard's own decisions and
    /// curated parts, with these columns, into the job's work folder (the publish moves them into place) instead of
    /// intermediates for the coordinator to write out.
    /// </summary>
    [Id(12)]
    public ShardPartColumns? Parts { get; init; }

    /// <summary>
    /// Who submitted the job (<see cref="JobPrincipal"/>): whose locations the worker checks the shard's against. Null for
    /// a job submitted without a name, and in a task of an older coordinator.
    /// </summary>
    [Id(13)]
    public string? SubmittedBy { get; init; }

    /// <summary>The shard's range, when its unit was split.</summary>
    public UnitRange? Range => RangeEnd > 0 ? new UnitRange(RangeStart, RangeEnd, RangeFirstLine) : null;

    /// <summary>The shard's stable id, the key of exactly-once counting.</summary>
    public string ShardId => SnapshotUnit.IdOf(FileName, RowGroup, Range);

    /// <summary>The snapshot unit the shard is.</summary>
    public SnapshotUnit Unit => new(new SnapshotFile(FilePath, FileName, (SnapshotFormat)FileFormat), RowGroup, Range);
}
