using MetaClip.GrainInterfaces;
using Orleans.Concurrency;

namespace MetaClip.Dashboard;

/// <summary><see cref="IDashboardGrain"/>: answers on whichever silo takes the call, from the silos' metadata.</summary>
[StatelessWorker]
public sealed class DashboardGrain(DashboardData data) : Grain, IDashboardGrain
{
    public async Task<string[]> SiloUrls() => [.. await data.SiloUrlsAsync()];
}
