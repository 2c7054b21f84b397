using MetaClip.Curation;
using Orleans.Runtime;

namespace MetaClip.Cluster.Curation;

/// <summary>
/// <see cref="ILanguagePartitionGrain"/>: delegates to <see cref="ShardCountAggregator"/> and persists the
/// counts together with the applied shard ids in one write before acknowledging.
/// </summary>
public sealed class LanguagePartitionGrain(
    [PersistentState("partition", CurationStorage.Name)] IPersistentState<LanguagePartitionState> state)
    : Grain, ILanguagePartitionGrain
{
    private ShardCountAggregator? _aggregator;

    public async Task<bool> ApplyPartial(ShardPartialCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var aggregator = Aggregator(counts.ListLength);
        if (!aggregator.Apply(counts.ShardId, counts.EntryIds, counts.Counts))
        {
            return false;
        }

        state.State = new LanguagePartitionState(null, [.. aggregator.AppliedShards], CountVectorCodec.Encode(aggregator.Counts));
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not persisted: forget the in-memory change so the retry applies it again.
            _aggregator = null;
            await state.ReadStateAsync();
            throw;
        }

        return true;
    }

    public Task<LanguageCounts> GetCounts()
    {
        var counts = _aggregator?.Counts ?? PersistedCounts() ?? [];
        return Task.FromResult(new LanguageCounts([.. counts], state.State.AppliedShards?.Length ?? 0));
    }

    /// <summary>The persisted counts: compact bytes, or the plain array that version 1 of the state held.</summary>
    private ulong[]? PersistedCounts() => state.State.EncodedCounts is { } encoded
        ? CountVectorCodec.Decode(encoded, $"the state of partition {this.GetPrimaryKeyString()}")
        : state.State.Counts;

    private ShardCountAggregator Aggregator(int length)
    {
        if (_aggregator is null)
        {
            var persisted = state.State;
            _aggregator = PersistedCounts() is { } counts
                ? new ShardCountAggregator([.. counts], persisted.AppliedShards ?? [])
                : new ShardCountAggregator(length);
        }

        if (_aggregator.Counts.Length != length)
        {
            throw new ArgumentException(
                $"partition {this.GetPrimaryKeyString()}: the list has {_aggregator.Counts.Length} entries, but a partial for {length} arrived (a different metadata version?)");
        }

        return _aggregator;
    }
}

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

/// <summary>Names of the cluster's storage providers.</summary>
public static class CurationStorage
{
    /// <summary>Grain state of jobs and language partitions.</summary>
    public const string Name = "curation";
}
