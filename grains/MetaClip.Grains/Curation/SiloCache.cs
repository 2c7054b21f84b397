using System.Collections.Concurrent;

namespace MetaClip.Grains.Curation;

internal static class SiloCache
{
    /// <summary>One load per key at a time; a failed load is forgotten, so that the next caller loads again.</summary>
    public static async Task<TValue> GetAsync<TKey, TValue>(ConcurrentDictionary<TKey, Lazy<Task<TValue>>> cache, TKey key, Func<TKey, Task<TValue>> load)
        where TKey : notnull
    {
        var entry = cache.GetOrAdd(key, k => new Lazy<Task<TValue>>(() => Task.Run(() => load(k))));
        try
        {
            return await entry.Value.ConfigureAwait(false);
        }
        catch (Exception)
        {
            cache.TryRemove(KeyValuePair.Create(key, entry));
            throw;
        }
    }
}
