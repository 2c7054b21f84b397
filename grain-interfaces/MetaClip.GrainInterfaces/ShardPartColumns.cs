namespace MetaClip.GrainInterfaces;

/// <summary>
/// Pass 2 of a job with one part per shard (<see cref="MetaClip.Engine.Outputs.OutputParts.PerShard"/>): the worker writes
/// the shard's parts itself, with the whole job's curated columns, so that every part of the job has the same schema.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardPartColumns.v1")]
public sealed record ShardPartColumns(
    [property: Id(0)] bool WithKey,
    [property: Id(1)] string? ImageColumn);

/// <summary>The parts a worker wrote for one shard: their sizes in bytes (0: the shard has no such part) and what they hold.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.ShardPartsWritten.v1")]
public sealed record ShardPartsWritten(
    [property: Id(0)] long DecisionsBytes,
    [property: Id(1)] long CuratedBytes,
    [property: Id(2)] long DecisionLines,
    [property: Id(3)] long KeptRows);
