using System.Collections.Concurrent;
using MetaClip.Engine;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetaClip.Grains.Curation;

/// <summary>
/// Metadata per silo: each metadata folder or prefix (and mode) is loaded once per silo and its matchers are
/// built once, on first use, then shared read-only by every shard this silo runs. A load that fails is not
/// kept: the next shard tries again.
/// </summary>
public sealed partial class MetadataCache
{
    private readonly ConcurrentDictionary<(string Folder, CurationMode Mode), Lazy<Task<MetadataSet>>> _sets = new();
    private readonly DataStore _store;

    /// <param name="store">Where metadata locations are read.</param>
    /// <param name="compiled">The silo's folder of compiled lists (one build per list content per machine), or null for none.</param>
    public MetadataCache(DataStore store, CompiledMatcherCache? compiled)
    {
        _store = store;
        Compiled = compiled;
    }

    /// <summary>The silo's cache with its configured <see cref="CurationSiloOptions.MatcherCache"/>; problems with it are logged as warnings.</summary>
    [ActivatorUtilitiesConstructor]
    public MetadataCache(DataStore store, IOptions<CurationSiloOptions> options, ILogger<MetadataCache> logger)
        : this(store, CompiledMatcherCache.Create(options.Value.MatcherCache, problem => LogCacheProblem(logger, problem)))
    {
    }

    public CompiledMatcherCache? Compiled { get; }

    public Task<MetadataSet> GetAsync(string folder, CurationMode mode) =>
        SiloCache.GetAsync(_sets, (Folder: DataStore.Normalize(folder), Mode: mode), key => MetadataSet.LoadAsync(_store, key.Folder, key.Mode, CancellationToken.None, Compiled));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compiled matcher cache: {Problem}")]
    private static partial void LogCacheProblem(ILogger logger, string problem);
}
