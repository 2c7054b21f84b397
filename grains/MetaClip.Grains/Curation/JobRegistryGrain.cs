using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary><see cref="IJobRegistryGrain"/>: the list of submitted jobs, persisted with the jobs' own state.</summary>
public sealed class JobRegistryGrain(
    [PersistentState("jobs", CurationStorage.Name)] IPersistentState<JobRegistryState> state) : Grain, IJobRegistryGrain
{
    public async Task Add(JobEntry job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!state.State.Jobs.Exists(j => j.Id == job.Id))
        {
            state.State.Jobs.Add(job);
            await state.WriteStateAsync();
        }
    }

    public Task<JobEntry[]> List() => Task.FromResult(state.State.Jobs.ToArray());
}

/// <summary>The persisted list of jobs.</summary>
[GenerateSerializer, Alias("MetaClip.JobRegistryState.v1")]
public sealed class JobRegistryState
{
    [Id(0)]
    public List<JobEntry> Jobs { get; set; } = [];
}
