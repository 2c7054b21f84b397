using System.Collections.Concurrent;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using Microsoft.Extensions.Options;

namespace MetaClip.Grains.Curation;

/// <summary>
/// What one pass of a shard leaves for the next step: the pass-1 matches (read by pass 2), and the pass-2
/// decision lines and kept rows (read by the publisher). Written whole to the job's work folder or prefix, so
/// any silo can pick them up and a resumed job finds them; or, on a cluster whose state lives in memory
/// anyway (the embedded single silo of <c>metaclip curate</c>, where nothing survives the process), kept in
/// this silo's memory as they are, with no encoding and no I/O.
/// </summary>
public sealed class ShardIntermediates(DataStore store, ThresholdTableCache thresholdTables, IOptions<CurationSiloOptions> options)
{
    private readonly ConcurrentDictionary<string, object> _memory = new(StringComparer.Ordinal);
    private readonly bool _inMemory = options?.Value.IntermediatesInMemory == true;

    /// <summary>
    /// The job's threshold table, computed by its coordinator: written for the other silos (which read it once
    /// each, through their <see cref="ThresholdTableCache"/>), and given to this silo's cache as it is.
    /// </summary>
    public async Task PutThresholdTableAsync(string location, ThresholdTable table, CancellationToken cancellationToken)
    {
        if (!_inMemory)
        {
            await store.WriteAsync(location, stream =>
            {
                ThresholdTableCodec.Write(stream, table);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        thresholdTables.Add(location, table);
    }

    public Task PutMatchesAsync(string location, UnitMatches matches, CancellationToken cancellationToken) =>
        PutAsync(location, matches, stream =>
        {
            UnitMatchesCodec.Write(stream, matches);
            return Task.CompletedTask;
        }, cancellationToken);

    public Task<UnitMatches> GetMatchesAsync(string location, CancellationToken cancellationToken) =>
        GetAsync(location, stream => UnitMatchesCodec.Read(stream, location), cancellationToken);

    /// <summary>
    /// A shard's decision lines, formatted here (by the shard's worker, in parallel with other shards) as UTF-8 bytes:
    /// one array per shard of exactly their length, kept in memory or written whole.
    /// </summary>
    public async Task PutDecisionsAsync(string location, SampledUnit sampled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sampled);
        byte[] lines = sampled.DecisionLines(Environment.ProcessorCount, cancellationToken);
        if (_inMemory)
        {
            _memory[location] = lines;
            return;
        }

        await store.WriteAsync(location, stream => stream.WriteAsync(lines, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends the decision lines of shards (in the order given) to <paramref name="output"/>; returns how many lines they hold.</summary>
    public async Task<long> CopyDecisionsAsync(IReadOnlyList<string> locations, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(output);
        long lines = 0;
        foreach (string location in locations)
        {
            byte[] part = _inMemory ? Take<byte[]>(location) : await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false);
            lines += part.AsSpan().Count((byte)'\n');
            await output.WriteAsync(part, cancellationToken).ConfigureAwait(false);
        }

        return lines;
    }

    public Task PutKeptRowsAsync(string location, IReadOnlyList<CuratedRow> rows, CancellationToken cancellationToken) =>
        PutAsync(location, rows, stream =>
        {
            CuratedRowsCodec.Write(stream, rows);
            return Task.CompletedTask;
        }, cancellationToken);

    public Task<IReadOnlyList<CuratedRow>> GetKeptRowsAsync(string location, CancellationToken cancellationToken) =>
        GetAsync<IReadOnlyList<CuratedRow>>(location, stream => CuratedRowsCodec.Read(stream, location), cancellationToken);

    /// <summary>
    /// An intermediate whose next step is recorded as done: in memory, it is dropped at once (a single silo's
    /// memory holds a whole job's intermediates only as long as each is needed); files stay until the job ends.
    /// </summary>
    public void Release(string location)
    {
        if (_inMemory)
        {
            _memory.TryRemove(location, out _);
        }
    }

    /// <summary>Removes every intermediate under a job's work folder or prefix.</summary>
    public async Task RemoveAllAsync(string workFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workFolder);
        foreach (string key in _memory.Keys.Where(k => k.Length > workFolder.Length && k.StartsWith(workFolder, StringComparison.Ordinal) && k[workFolder.Length] is '/' or '\\'))
        {
            _memory.TryRemove(key, out _);
        }

        thresholdTables.RemoveUnder(workFolder);

        await store.DeleteAsync(workFolder, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutAsync(string location, object value, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        if (_inMemory)
        {
            _memory[location] = value;
            return;
        }

        await store.WriteAsync(location, write, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetAsync<T>(string location, Func<Stream, T> read, CancellationToken cancellationToken)
        where T : class
    {
        if (_inMemory)
        {
            return Take<T>(location);
        }

        return read(new MemoryStream(await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>An in-memory intermediate; kept (not removed) so that a repeated run of the next step finds it too.</summary>
    private T Take<T>(string location) => _memory.TryGetValue(location, out var value)
        ? (T)value
        : throw new InvalidOperationException($"intermediate {location} is not in this silo's memory (intermediates in memory need a single-silo cluster)");
}
