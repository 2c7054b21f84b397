using System.Collections.Concurrent;
using MetaClip.Curation;
using MetaClip.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

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

/// <summary>A silo's curation settings.</summary>
public sealed class CurationSiloOptions
{
    /// <summary>Shards this silo runs at once (each uses every core); more wait their turn here (back-pressure).</summary>
    public int MaxConcurrentShards { get; set; } = 2;
}

/// <summary>
/// The silo's shard slots: at most <see cref="CurationSiloOptions.MaxConcurrentShards"/> shards run at once.
/// When the silo starts shutting down, <see cref="Stopping"/> fires: the shards it runs are handed back to
/// their coordinators, which run them elsewhere.
/// </summary>
public sealed class ShardSlots : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();

    public ShardSlots(IOptions<CurationSiloOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = Math.Max(1, options.Value.MaxConcurrentShards);
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    public CancellationToken Stopping => _stopping.Token;

    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Release() => _slots.Release();

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ShardSlots), ServiceLifecycleStage.Active, _ => Task.CompletedTask, _ => _stopping.CancelAsync());
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
        services.AddSingleton<MetadataCache>().AddSingleton<ThresholdTableCache>().AddSingleton<ShardSlots>()
            .AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ShardSlots>());
        var options = services.AddOptions<CurationSiloOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }
}
