using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using MetaClip.Grains.Curation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MetaClip.Grains.Hosting;

/// <summary>Registers the silo-local services of the curation grains.</summary>
public static class CurationServiceCollectionExtensions
{
    /// <summary>The silo-local services the curation grains need.</summary>
    public static IServiceCollection AddMetaClipCuration(this IServiceCollection services, Action<CurationSiloOptions>? configure = null)
    {
        // A host may bring its own store and metadata cache (the embedded cluster warms the cache while the silo starts).
        services.TryAddSingleton(sp => new DataStore(sp.GetRequiredService<IOptions<CurationSiloOptions>>().Value.StorageConnectionString));
        services.TryAddSingleton<MetadataCache>();
        services.TryAddSingleton<LidModelCache>();

        // The one implementation of the curation steps (a test may wrap it to see them called).
        services.TryAddSingleton<ICurationSteps>(sp => new CurationSteps(sp.GetRequiredService<DataStore>()));
        services.AddSingleton<ThresholdTableCache>().AddSingleton<ShardIntermediates>().AddSingleton<ShardSlots>()
            .AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ShardSlots>());
        var options = services.AddOptions<CurationSiloOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o =>
        {
            o.Validate();
            return true;
        });

        return services;
    }
}
