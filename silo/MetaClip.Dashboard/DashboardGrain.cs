using MetaClip.GrainInterfaces;
using Orleans.Concurrency;

namespace MetaClip.Dashboard;

/// <summary>
/// <see cref="IDashboardGrain"/>: answers on whichever silo takes the call, from the silos' metadata. Its own grain type
/// name: the Orleans Dashboard has a <c>DashboardGrain</c> too.
/// </summary>
[StatelessWorker, GrainType("metaclip-dashboard")]
public sealed class DashboardGrain(DashboardData data) : Grain, IDashboardGrain
{
    public async Task<string[]> SiloUrls() => [.. await data.SiloUrlsAsync()];
}
