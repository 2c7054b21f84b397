using System.Collections.Concurrent;
using MetaClip.Curation;
using MetaClip.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace MetaClip.Cluster.Curation;

/// <summary>
/// Metadata per silo: each metadata folder (and mode) is loaded once per silo and its matchers are built
/// once, on first use, then shared read-only by every shard this silo runs.
/// </summary>
public sealed class MetadataCache
{
    private readonly ConcurrentDictionary<(string Folder, CurationMode Mode), Lazy<MetadataSet>> _sets = new();

    public MetadataSet Get(string folder, CurationMode mode) =>
        _sets.GetOrAdd((Path.GetFullPath(folder), mode), key => new Lazy<MetadataSet>(() => MetadataSet.Load(key.Folder, key.Mode))).Value;
}

/// <summary>Threshold tables per silo: each job's immutable table is read once per silo.</summary>
public sealed class ThresholdTableCache
{
    private readonly ConcurrentDictionary<string, Lazy<ThresholdTable>> _tables = new(StringComparer.Ordinal);

    public ThresholdTable Get(string path) => _tables.GetOrAdd(path, p => new Lazy<ThresholdTable>(() =>
    {
        using var stream = File.OpenRead(p);
        return ThresholdTableCodec.Read(stream, p);
    })).Value;
}

public static class CurationServiceCollectionExtensions
{
    /// <summary>The silo-local services the curation grains need.</summary>
    public static IServiceCollection AddMetaClipCuration(this IServiceCollection services) =>
        services.AddSingleton<MetadataCache>().AddSingleton<ThresholdTableCache>();
}
