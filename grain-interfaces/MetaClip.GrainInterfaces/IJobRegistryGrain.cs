using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>The jobs submitted to this cluster (key 0), oldest first; persisted like the jobs themselves.</summary>
[Alias("MetaClip.IJobRegistryGrain"), Version(1)]
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    [ClusterInternal]
    Task Add(JobEntry job);

    [Alias("List")]
    Task<JobEntry[]> List();
}

/// <summary>A submitted job: its id, when, by whom, and what it curates into.</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.JobEntry.v1")]
public sealed record JobEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] DateTimeOffset SubmittedAt,
    [property: Id(2)] string Snapshot,
    [property: Id(3)] string Output)
{
    /// <summary>Who submitted the job (<see cref="JobPrincipal"/>); null for a job submitted before principals were recorded.</summary>
    [Id(4)]
    public string? SubmittedBy { get; init; }
}
