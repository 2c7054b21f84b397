using MetaClip.Engine.Curation;

namespace MetaClip.Grains.Curation;

/// <summary>
/// The persisted state of a language partition: counts and applied shard ids, written together. The counts
/// are <see cref="EncodedCounts"/> (<see cref="CountVectorCodec"/>: a few percent of the plain array, and
/// cheap to serialise per shard); <see cref="Counts"/> is read only from state that older silos wrote.
/// </summary>
[GenerateSerializer, Alias("MetaClip.LanguagePartitionState.v1")]
public sealed record LanguagePartitionState(
    [property: Id(0)] ulong[]? Counts,
    [property: Id(1)] string[]? AppliedShards,
    [property: Id(2)] byte[]? EncodedCounts = null)
{
    public LanguagePartitionState()
        : this(null, null)
    {
    }
}
