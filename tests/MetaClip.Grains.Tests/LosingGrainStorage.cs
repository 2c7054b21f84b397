using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace MetaClip.Grains.Tests;

/// <summary>
/// Grain storage that loses acknowledged writes on purpose, as an emulator killed before it saved (or a restored
/// backup) does: a write it drops answers success and changes nothing, so the stored state rolls back to the
/// last write it kept, and the grain's next write meets a stale ETag. Everything else is plain in-memory storage
/// (states kept in Orleans' binary form, ETags checked). Which writes are dropped is the test's choice.
/// </summary>
public sealed class LosingGrainStorage(Serializer serializer, Func<string, GrainId, bool> drop) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), (byte[] Bytes, string ETag)> _stored = new();
    private int _dropped;

    /// <summary>Writes answered as done but not kept.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (_stored.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.Bytes);
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = (stateName, grainId);
        string? current = _stored.TryGetValue(key, out var stored) ? stored.ETag : null;
        if (!string.Equals(current, grainState.ETag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException($"ETag mismatch for {grainId}: stored {current ?? "none"}, written {grainState.ETag ?? "none"}", current, grainState.ETag);
        }

        string etag = Guid.NewGuid().ToString("N");
        if (drop(stateName, grainId))
        {
            // Acknowledged, not kept.
            Interlocked.Increment(ref _dropped);
        }
        else
        {
            _stored[key] = (serializer.SerializeToArray(grainState.State), etag);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        _stored.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
