using System.Globalization;
using MetaClip.Client.Cluster;
using MetaClip.Engine;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary>A curation job on a cluster (<c>metaclip submit</c>).</summary>
internal sealed class CurationClusterJob(ICurationJobGrain job) : ClusterJob(job.GetPrimaryKeyString())
{
    public ICurationJobGrain Grain => job;

    public static string Describe(string id, CurationJobStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"{id}: {s.Phase};{(s.Phase == CurationJobPhase.Planning ? $" files planned {s.FilesPlanned}/{s.Files};" : "")} shards matched {s.ShardsMatched}/{s.Shards}, sampled {s.ShardsSampled}/{s.Shards}; {s.Texts:N0} texts{(s.Error is null ? "" : "; error: " + s.Error)}{(s.SubmittedBy is null ? "" : "; submitted by " + s.SubmittedBy)}");

    public override async Task<JobSummary?> GetSummaryAsync(CancellationToken cancellationToken)
    {
        var status = await ClusterCuration.GetStatusAsync(job, waiting: null, cancellationToken).ConfigureAwait(false);
        return status.Phase == CurationJobPhase.NotStarted ? null : Summary(status);
    }

    public override async Task<JobSummary> CancelAsync() => Summary(await job.Cancel().ConfigureAwait(false));

    public override async Task<int> WatchAsync(TextWriter output, bool interactive, CancellationToken cancellationToken)
    {
        var status = await ConsoleProgress.RunAsync(interactive, output, progress =>
            ClusterCuration.FollowAsync(job, new SteadyProgress(progress), cancellationToken)).ConfigureAwait(false);
        if (status.Phase == CurationJobPhase.Cancelled)
        {
            await output.WriteLineAsync("The job was cancelled; nothing was published.").ConfigureAwait(false);
            return MetaClipCommandLine.Cancelled;
        }

        await output.WriteLineAsync(TerminalText.Printable($"Results: {status.Output}")).ConfigureAwait(false);
        await output.WriteLineAsync(TerminalText.Printable($"Report:  {DataStore.Combine(status.Output ?? ".", "report.html")}")).ConfigureAwait(false);
        return MetaClipCommandLine.Success;
    }

    private JobSummary Summary(CurationJobStatus s) => new(
        s.Phase.ToString(),
        s.Phase == CurationJobPhase.Planning
            ? string.Create(CultureInfo.InvariantCulture, $"{s.FilesPlanned}/{s.Files} files planned")
            : string.Create(CultureInfo.InvariantCulture, $"{s.ShardsMatched}/{s.Shards} matched"),
        Describe(Id, s),
        s.Phase switch
        {
            CurationJobPhase.Done => JobEnd.Done,
            CurationJobPhase.Failed => JobEnd.Failed,
            CurationJobPhase.Cancelled => JobEnd.Cancelled,
            _ => null,
        });
}
