using MetaClip.GrainInterfaces;
using Orleans.Concurrency;

namespace MetaClip.Grains.Hosting;

/// <summary>Answers <see cref="ICallerSourceGrain"/> from what <see cref="PrincipalVerification"/> saw of the call.</summary>
[StatelessWorker]
public sealed class CallerSourceGrain : Grain, ICallerSourceGrain
{
    public Task<string?> CallerSource() => Task.FromResult(RequestContext.Get(PrincipalVerification.CallerSourceKey) as string);
}
