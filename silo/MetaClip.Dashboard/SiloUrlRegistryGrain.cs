using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MetaClip.Dashboard;

/// <summary>
/// <see cref="ISiloUrlRegistryGrain"/>: the origins the silos published, each with when it was last registered, in the
/// cluster's grain storage. It takes only an origin that an active silo publishes in its metadata (so a client, which
/// on a cluster without TLS may call any grain, cannot add one), gives only those registered within
/// <see cref="Lifetime"/> (a silo registers again every <see cref="SiloUrlRegistration.Interval"/>, so a dead silo's
/// origin, whose address a new pod may get, is trusted for an hour at most), and keeps at most <see cref="MaxOrigins"/>.
/// </summary>
[GrainType("metaclip-silo-urls")]
public sealed class SiloUrlRegistryGrain(
    [PersistentState("silo-urls", SiloUrlRegistryGrain.StorageName)] IPersistentState<SiloUrlRegistryState> state,
    IClusterMembershipService membership,
    IServiceProvider services) : Grain, ISiloUrlRegistryGrain
{
    /// <summary>The grain storage of the cluster's jobs (<c>CurationStorage.Name</c>), which every MetaClip silo has.</summary>
    public const string StorageName = "curation";

    /// <summary>Silos that come and go under new addresses (pods) would otherwise grow the list without end.</summary>
    public const int MaxOrigins = 256;

    /// <summary>How long a registration is trusted after it was made.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public async Task Register(string url)
    {
        if (!SiloOrigin.TryOf(url, out string? origin))
        {
            throw new ArgumentException($"not an http(s) URL: '{url}'", nameof(url));
        }

        var metadata = services.GetService<ISiloMetadataCache>();
        bool published = metadata is not null && membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Any(m => SiloOrigin.TryOf(metadata.GetSiloMetadata(m.SiloAddress).Metadata.GetValueOrDefault(SiloHttpUrl.MetadataKey), out string? o) && o == origin);
        if (!published)
        {
            throw new ArgumentException($"{url} is not the published URL ({SiloHttpUrl.MetadataKey} metadata) of an active silo of this cluster", nameof(url));
        }

        var now = DateTimeOffset.UtcNow;
        state.State.Record(origin, now, MaxOrigins, keepSince: now - Lifetime);
        await state.WriteStateAsync();
    }

    public Task<string[]> Origins() => Task.FromResult(state.State.Newest(DateTimeOffset.UtcNow - Lifetime));
}

/// <summary>The persisted origins and when each was last registered.</summary>
[GenerateSerializer, Alias("MetaClip.SiloUrlRegistryState.v1")]
public sealed class SiloUrlRegistryState
{
    [Id(0)]
    public Dictionary<string, DateTimeOffset> Origins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Records <paramref name="origin"/> as registered <paramref name="at"/>, keeping the newest <paramref name="max"/>
    /// of those registered at <paramref name="keepSince"/> or later (an older one is trusted no more).
    /// </summary>
    public void Record(string origin, DateTimeOffset at, int max, DateTimeOffset keepSince)
    {
        Origins[origin] = at;
        var kept = Newest(keepSince).Take(max).ToHashSet(StringComparer.Ordinal);
        foreach (string old in Origins.Keys.Where(o => !kept.Contains(o)).ToList())
        {
            Origins.Remove(old);
        }
    }

    /// <summary>The origins registered at <paramref name="since"/> or later, the most recently registered first.</summary>
    public string[] Newest(DateTimeOffset since) =>
        [.. Origins.Where(o => o.Value >= since).OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Key)];
}
