using System.Collections.Concurrent;
using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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

/// <summary>A silo's curation settings.</summary>
public sealed class CurationSiloOptions
{
    /// <summary>Shards this silo runs at once (each uses every core); more wait their turn here (back-pressure).</summary>
    public int MaxConcurrentShards { get; set; } = 2;

    /// <summary>The storage account of blob locations (<c>az://</c>); local paths only when null. Never logged.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>
    /// Keep shard intermediates in this silo's memory instead of writing them to the job's work folder: only
    /// for a single-silo cluster whose grain state is in memory too (the embedded cluster), where nothing
    /// survives the process anyway.
    /// </summary>
    public bool IntermediatesInMemory { get; set; }

    /// <summary>
    /// The folder of compiled metadata lists on this machine (see <see cref="CompiledMatcherCache"/>): <c>off</c> for
    /// none; when null, <c>METACLIP_MATCHER_CACHE</c>, else the user's cache folder (<c>~/.cache/metaclip/matchers</c>).
    /// </summary>
    public string? MatcherCache { get; set; }
}

/// <summary>
/// The silo's shard slots: at most <see cref="CurationSiloOptions.MaxConcurrentShards"/> shards run at once.
/// When the silo starts shutting down, <see cref="Stopping"/> fires: the shards it runs are handed back to
/// their coordinators, which run them elsewhere.
/// </summary>
public sealed class ShardSlots : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How long a stopping silo waits at most for its shard calls to hand back.</summary>
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The silo goes on stopping once no shard call has been on it for this long (counted from the stop at the
    /// earliest): a call delivered just before the stop has reached its worker, and handed back, by then.
    /// </summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _slots;
    private readonly bool _alone;
    private readonly CancellationTokenSource _stopping = new();
    private int _calls;
    private long _lastCallChange = Environment.TickCount64;

    public ShardSlots(IOptions<CurationSiloOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = Math.Max(1, options.Value.MaxConcurrentShards);
        _alone = options.Value.IntermediatesInMemory;
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    public CancellationToken Stopping => _stopping.Token;

    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Release() => _slots.Release();

    /// <summary>A shard call reached this silo's worker (it waits for a slot, runs, or hands back).</summary>
    public void CallStarted()
    {
        Interlocked.Increment(ref _calls);
        Volatile.Write(ref _lastCallChange, Environment.TickCount64);
    }

    /// <summary>The shard call has answered.</summary>
    public void CallEnded()
    {
        Volatile.Write(ref _lastCallChange, Environment.TickCount64);
        Interlocked.Decrement(ref _calls);
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ShardSlots), ServiceLifecycleStage.Active, _ => Task.CompletedTask, HandBackAsync);
    }

    /// <summary>
    /// Tells the running shards to hand back, and lets them answer before the silo goes on stopping: a silo
    /// that deactivates its grains while they answer can lose the answers, and a coordinator that sees a lost
    /// silo instead of a hand-back waits for membership before it re-runs the shards. Bounded by
    /// <see cref="HandBackTimeout"/> and by the host's stop token. A silo that keeps everything in memory is the
    /// cluster's only silo (<see cref="CurationSiloOptions.IntermediatesInMemory"/>): no other silo would run what it
    /// hands back, and its jobs end with the process, so it stops at once.
    /// </summary>
    private async Task HandBackAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastCallChange, Environment.TickCount64);
        await _stopping.CancelAsync();
        if (_alone)
        {
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < HandBackTimeout && !cancellationToken.IsCancellationRequested)
        {
            bool quiet = Volatile.Read(ref _calls) == 0 &&
                Environment.TickCount64 - Volatile.Read(ref _lastCallChange) >= QuietPeriod.TotalMilliseconds;
            if (quiet)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _stopping.Dispose();
    }
}

public static class CurationServiceCollectionExtensions
{
    /// <summary>The silo-local services the curation grains need.</summary>
    public static IServiceCollection AddMetaClipCuration(this IServiceCollection services, Action<CurationSiloOptions>? configure = null)
    {
        // A host may bring its own store and metadata cache (the embedded cluster warms the cache while the silo starts).
        services.TryAddSingleton(sp => new DataStore(sp.GetRequiredService<IOptions<CurationSiloOptions>>().Value.StorageConnectionString));
        services.TryAddSingleton<MetadataCache>();
        services.TryAddSingleton<LidModelCache>();
        services.AddSingleton<ThresholdTableCache>().AddSingleton<ShardIntermediates>().AddSingleton<ShardSlots>()
            .AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ShardSlots>());
        var options = services.AddOptions<CurationSiloOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }
}
