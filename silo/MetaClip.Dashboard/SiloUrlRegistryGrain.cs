using MetaClip.GrainInterfaces;

namespace MetaClip.Dashboard;

/// <summary>
/// <see cref="ISiloUrlRegistryGrain"/>: the origins the silos published, each with when it was last registered, at most
/// <see cref="MaxOrigins"/> (the oldest go first), in the cluster's grain storage.
/// </summary>
[GrainType("metaclip-silo-urls")]
public sealed class SiloUrlRegistryGrain(
    [PersistentState("silo-urls", SiloUrlRegistryGrain.StorageName)] IPersistentState<SiloUrlRegistryState> state) : Grain, ISiloUrlRegistryGrain
{
    /// <summary>The grain storage of the cluster's jobs (<c>CurationStorage.Name</c>), which every MetaClip silo has.</summary>
    public const string StorageName = "curation";

    /// <summary>Silos that come and go under new addresses (pods) would otherwise grow the list without end.</summary>
    public const int MaxOrigins = 256;

    public async Task Register(string url)
    {
        if (!SiloOrigin.TryOf(url, out string? origin))
        {
            throw new ArgumentException($"not an http(s) URL: '{url}'", nameof(url));
        }

        state.State.Record(origin, DateTimeOffset.UtcNow, MaxOrigins);
        await state.WriteStateAsync();
    }

    public Task<string[]> Origins() => Task.FromResult(state.State.Newest());
}

/// <summary>The persisted origins and when each was last registered.</summary>
[GenerateSerializer, Alias("MetaClip.SiloUrlRegistryState.v1")]
public sealed class SiloUrlRegistryState
{
    [Id(0)]
    public Dictionary<string, DateTimeOffset> Origins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="origin"/> as registered <paramref name="at"/>, keeping the newest <paramref name="max"/>.</summary>
    public void Record(string origin, DateTimeOffset at, int max)
    {
        Origins[origin] = at;
        foreach (string old in Newest().Skip(max).ToList())
        {
            Origins.Remove(old);
        }
    }

    /// <summary>The origins, the most recently registered first.</summary>
    public string[] Newest() => [.. Origins.OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Key)];
}
