using MetaClip.Engine;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary>
/// A job on a cluster, by its id: a curation job (<c>metaclip submit</c>) or a training job (<c>metaclip train
/// --submit</c>, ids <c>train-…</c>). <see cref="Of"/> is the one place that tells the two apart; <c>status</c>,
/// <c>watch</c>, <c>cancel</c> and <c>jobs</c> work on either through this type.
/// </summary>
internal abstract class ClusterJob(string id)
{
    /// <summary>The prefix of a training job's id.</summary>
    public const string TrainingPrefix = "train-";

    public string Id => id;

    public static ClusterJob Of(IClusterClient client, string id)
    {
        ArgumentNullException.ThrowIfNull(client);
        JobIds.Check(id);
        return id.StartsWith(TrainingPrefix, StringComparison.Ordinal)
            ? new TrainingClusterJob(client.GetGrain<ITrainingJobGrain>(id))
            : new CurationClusterJob(client.GetGrain<ICurationJobGrain>(id));
    }

    /// <summary>The error of a command given an id the cluster does not know.</summary>
    public static CurationException NoSuchJob(string id) => new($"no job {id} on this cluster");

    /// <summary>The job's state now, or null when the cluster has no job of this id.</summary>
    public abstract Task<JobSummary?> GetSummaryAsync(CancellationToken cancellationToken);

    /// <summary>Cancels the running job: nothing more is done and nothing is published.</summary>
    public abstract Task<JobSummary> CancelAsync();

    /// <summary>Follows the job until it ends, printing its progress, and returns the command's exit code.</summary>
    public abstract Task<int> WatchAsync(TextWriter output, bool interactive, CancellationToken cancellationToken);

    /// <summary>The job's state now; an error when the cluster has no job of this id.</summary>
    public async Task<JobSummary> GetKnownSummaryAsync(CancellationToken cancellationToken) =>
        await GetSummaryAsync(cancellationToken).ConfigureAwait(false) ?? throw NoSuchJob(Id);
}

/// <summary>How a job ended.</summary>
internal enum JobEnd
{
    Done,
    Failed,
    Cancelled,
}

/// <summary>
/// A job's state in words: its phase, its progress (<c>3/6 shards matched</c>, <c>step 40/80</c>), the whole status
/// line, and how it ended (null while it runs).
/// </summary>
internal sealed record JobSummary(string Phase, string Progress, string Line, JobEnd? End);
