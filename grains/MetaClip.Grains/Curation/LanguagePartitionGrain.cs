using System.Diagnostics;
using MetaClip.Engine.Curation;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace MetaClip.Grains.Curation;

/// <summary>
/// <see cref="ILanguagePartitionGrain"/>: delegates to <see cref="ShardCountAggregator"/> and persists the
/// counts together with the applied shard ids before acknowledging. Writes are group commits: partials that
/// arrive while a write is in flight are applied in memory and persisted together by the next write, so a
/// hot partition (English, which every shard reaches) writes once per batch instead of once per shard. A
/// partial is acknowledged only once a write that holds it succeeded; when a write fails, every partial not yet
/// persisted is forgotten, its caller gets the failure (and retries), and the state is read back.
/// With <see cref="CurationSiloOptions.AcknowledgeBeforePersisting"/> (the embedded cluster, whose grain state lives in
/// memory and ends with the process anyway), a partial is acknowledged once applied in memory, exactly once all
/// the same, and the state is written only when the activation goes.
/// </summary>
[Reentrant]
public sealed class LanguagePartitionGrain(
    [PersistentState("partition", CurationStorage.Name)] IPersistentState<LanguagePartitionState> state,
    IOptions<CurationSiloOptions> options)
    : Grain, ILanguagePartitionGrain
{
    private static readonly KeyValuePair<string, object?> Applied = new("outcome", "applied");
    private static readonly KeyValuePair<string, object?> Duplicate = new("outcome", "duplicate");

    private readonly bool _acknowledgeBeforePersisting = options.Value.AcknowledgeBeforePersisting;

    /// <summary>In memory only: partials applied since the state was last written.</summary>
    private bool _unwritten;

    private ShardCountAggregator? _aggregator;

    /// <summary>Applied in memory, waiting for the next write.</summary>
    private PartitionCommit? _open;

    /// <summary>Being written.</summary>
    private PartitionCommit? _writing;

    /// <summary>The state being read back after a failed write; partials wait for it.</summary>
    private Task? _recovering;

    public async Task<bool> ApplyPartial(ShardPartialCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (_recovering is { } recovering)
        {
            await recovering;
        }

        var aggregator = Aggregator(counts.ListLength);

        // Delivered again while its first delivery waits for a write: that write's outcome answers both.
        var pending = _writing?.Shards.Contains(counts.ShardId) == true ? _writing : _open?.Shards.Contains(counts.ShardId) == true ? _open : null;
        if (pending is not null)
        {
            await pending.Done.Task;
            MetaClipMetrics.Partials.Add(1, Duplicate);
            return false;
        }

        if (!aggregator.Apply(counts.ShardId, counts.EntryIds, counts.Counts))
        {
            MetaClipMetrics.Partials.Add(1, Duplicate);
            return false;
        }

        MetaClipMetrics.Partials.Add(1, Applied);

        if (_acknowledgeBeforePersisting)
        {
            _unwritten = true;
            return true;
        }

        var commit = _open ??= new PartitionCommit();
        commit.Shards.Add(counts.ShardId);
        if (_writing is null)
        {
            _ = WriteAsync();
        }

        await commit.Done.Task;
        return true;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // In memory only: keep the counts for the next activation (the storage lives as long as the process). Not when
        // the silo is shutting down: then nothing in memory outlives it, and the storage is already gone.
        if (_unwritten && _aggregator is not null && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            state.State = new LanguagePartitionState(null, [.. _aggregator.AppliedShards], CountVectorCodec.Encode(_aggregator.Counts));
            await state.WriteStateAsync(cancellationToken);
            _unwritten = false;
        }
    }

    /// <summary>Writes the open commit, and the one opened meanwhile, until none is open.</summary>
    private async Task WriteAsync()
    {
        while (_open is { } commit)
        {
            _open = null;
            _writing = commit;
            try
            {
                state.State = new LanguagePartitionState(null, [.. _aggregator!.AppliedShards], CountVectorCodec.Encode(_aggregator.Counts));
                long started = Stopwatch.GetTimestamp();
                await state.WriteStateAsync();
                MetaClipMetrics.PartitionWriteSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                MetaClipMetrics.PartitionWritePartials.Record(commit.Shards.Count);
            }
            catch (Exception e)
            {
                // Not persisted: forget every partial applied since the last write; their callers retry.
                var lost = _open;
                _open = null;
                _writing = null;
                _aggregator = null;
                _recovering = ReadBackAsync();
                commit.Done.SetException(e);
                lost?.Done.SetException(e);
                return;
            }

            _writing = null;
            commit.Done.SetResult();
        }
    }

    /// <summary>
    /// Reads the persisted state back after a failed write. Should that fail too, the activation goes (the next
    /// one reads the state afresh) and the partials waiting meanwhile get the failure.
    /// </summary>
    private async Task ReadBackAsync()
    {
        try
        {
            await state.ReadStateAsync();
            _recovering = null;
        }
        catch (Exception)
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task<LanguageCounts> GetCounts()
    {
        // Only persisted counts: wait for writes in flight (their outcome is their callers' to handle).
        while ((_writing ?? _open)?.Done.Task is { } pending)
        {
            await Task.WhenAny(pending);
        }

        if (_recovering is { } recovering)
        {
            await recovering;
        }

        var counts = _aggregator?.Counts ?? PersistedCounts() ?? [];
        string[] applied = _aggregator is not null ? [.. _aggregator.AppliedShards] : state.State.AppliedShards ?? [];
        return new LanguageCounts([.. counts], applied.Length, applied);
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
