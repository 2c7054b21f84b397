using System.Collections.Concurrent;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
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

    /// <summary>A shard's decision lines, formatted here (by the shard's worker, in parallel with other shards).</summary>
    public async Task PutDecisionsAsync(string location, IReadOnlyList<ImageDecision> decisions, CancellationToken cancellationToken)
    {
        if (_inMemory)
        {
            // As UTF-8 bytes: one array per shard for the collector instead of an object per decision (of exactly
            // their length: a growing memory stream copied each shard's lines three times, in large objects).
            _memory[location] = ParallelLines.ToArray(decisions.Count, (text, i) => AppendDecisionLine(text, decisions[i]), Environment.ProcessorCount, cancellationToken);
            return;
        }

        await store.WriteAsync(location, stream => WriteDecisionsAsync(stream, decisions, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends the decision lines of shards (in the order given) to <paramref name="output"/>.</summary>
    public async Task CopyDecisionsAsync(IReadOnlyList<string> locations, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(output);
        foreach (string location in locations)
        {
            if (_inMemory)
            {
                await output.WriteAsync(Take<byte[]>(location), cancellationToken).ConfigureAwait(false);
                continue;
            }

            await using var part = await store.OpenReadAsync(location, cancellationToken).ConfigureAwait(false);
            await part.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task PutKeptRowsAsync(string location, List<CuratedRow> rows, CancellationToken cancellationToken) =>
        PutAsync(location, rows, stream =>
        {
            CuratedRowsCodec.Write(stream, rows);
            return Task.CompletedTask;
        }, cancellationToken);

    public Task<List<CuratedRow>> GetKeptRowsAsync(string location, CancellationToken cancellationToken) =>
        GetAsync(location, stream => CuratedRowsCodec.Read(stream, location), cancellationToken);

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

    private static Task WriteDecisionsAsync(Stream stream, IReadOnlyList<ImageDecision> decisions, CancellationToken cancellationToken) =>
        ParallelLines.WriteAsync(stream, decisions.Count, (text, i) => AppendDecisionLine(text, decisions[i]), Environment.ProcessorCount, cancellationToken);

    private static void AppendDecisionLine(System.Text.StringBuilder text, ImageDecision decision)
    {
        CurationFiles.AppendDecision(text, decision);
        text.Append('\n');
    }
}
