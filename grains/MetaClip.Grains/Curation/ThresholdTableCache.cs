using System.Collections.Concurrent;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Storage;

namespace MetaClip.Grains.Curation;

/// <summary>
/// Threshold tables per silo: each job's immutable table is read once per silo. The most recent
/// <see cref="MaxTables"/> stay (a 500k-entry list's table is ~2 MB); an older one is read again if a shard
/// of its job still comes.
/// </summary>
public sealed class ThresholdTableCache(DataStore store)
{
    /// <summary>Tables kept at most: more jobs than this in pass 2 at once on one silo only cost re-reads.</summary>
    public const int MaxTables = 16;

    private readonly ConcurrentDictionary<string, Lazy<Task<ThresholdTable>>> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _arrivals = new();

    public int Count => _tables.Count;

    /// <summary>Forgets the tables under a job's work folder or prefix.</summary>
    public void RemoveUnder(string workFolder)
    {
        foreach (string key in _tables.Keys.Where(k => k.Length > workFolder.Length && k.StartsWith(workFolder, StringComparison.Ordinal) && k[workFolder.Length] is '/' or '\\'))
        {
            _tables.TryRemove(key, out _);
        }
    }

    /// <summary>A table this silo computed itself: no need to read it back.</summary>
    public void Add(string location, ThresholdTable table)
    {
        _tables[location] = new Lazy<Task<ThresholdTable>>(Task.FromResult(table));
        Arrived(location);
    }

    public Task<ThresholdTable> GetAsync(string location) => SiloCache.GetAsync(_tables, location, async key =>
    {
        byte[] bytes = await store.ReadAllBytesAsync(key, CancellationToken.None).ConfigureAwait(false);
        Arrived(key);
        return ThresholdTableCodec.Read(new MemoryStream(bytes), key);
    });

    private void Arrived(string location)
    {
        _arrivals.Enqueue(location);
        while (_tables.Count > MaxTables && _arrivals.TryDequeue(out var oldest))
        {
            if (oldest != location)
            {
                _tables.TryRemove(oldest, out _);
            }
        }
    }
}
