using System.Collections.Concurrent;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Storage;

namespace MetaClip.Grains.Curation;

/// <summary>
/// LID models per silo: each model file is read once per silo and its identifier shared read-only by every
/// shard the silo runs.
/// </summary>
public sealed class LidModelCache(DataStore store)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LanguageIdentifier>>> _identifiers = new(StringComparer.Ordinal);

    public Task<LanguageIdentifier> GetAsync(string location) =>
        SiloCache.GetAsync(_identifiers, DataStore.Normalize(location), async key => new LanguageIdentifier(await FastTextModel.LoadAsync(store, key).ConfigureAwait(false)));
}
