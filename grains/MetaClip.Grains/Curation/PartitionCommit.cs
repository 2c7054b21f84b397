namespace MetaClip.Grains.Curation;

/// <summary>Partials applied in memory and persisted by one write.</summary>
internal sealed class PartitionCommit
{
    public HashSet<string> Shards { get; } = new(StringComparer.Ordinal);

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
