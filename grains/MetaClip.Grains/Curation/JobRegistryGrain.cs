namespace MetaClip.Cluster.Curation;

/// <summary><see cref="IJobRegistryGrain"/>: the list of submitted jobs.</summary>
public sealed class JobRegistryGrain : Grain, IJobRegistryGrain
{
    private readonly List<JobEntry> _jobs = [];

    public Task Add(JobEntry job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!_jobs.Exists(j => j.Id == job.Id))
        {
            _jobs.Add(job);
        }

        return Task.CompletedTask;
    }

    public Task<JobEntry[]> List() => Task.FromResult(_jobs.ToArray());
}
