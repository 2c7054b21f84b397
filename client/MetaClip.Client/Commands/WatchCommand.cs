using System.CommandLine;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip watch JOB</c>: follows a job until it ends, then says where its results are.</summary>
internal static class WatchCommand
{
    /// <summary>
    /// How long one status call may go unanswered: when the silo this client talks through dies, the call fails after
    /// this and is asked again through another gateway (Orleans' default would freeze the display for 30 s).
    /// </summary>
    internal static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(3);

    public static Command Create(TextWriter output, bool interactive)
    {
        var parts = JobCommand.Create("watch", "Follow a job until it ends: progress per phase, then where its results and report are.");
        parts.Command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await parts.Connection.ConnectAsync(parse, cancellationToken, ResponseTimeout).ConfigureAwait(false);
            var job = ClusterJob.Of(client.Client, parse.GetRequiredValue(parts.Id));
            await job.GetKnownSummaryAsync(cancellationToken).ConfigureAwait(false);
            return await job.WatchAsync(output, interactive, cancellationToken).ConfigureAwait(false);
        });
        return parts.Command;
    }
}
