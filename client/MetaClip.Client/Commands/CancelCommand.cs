using System.CommandLine;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip cancel JOB</c>: cancels a running job. A job that has ended already is left as it is: the command
/// says so and exits 0 (the job is not running, which is what was asked for).
/// </summary>
internal static class CancelCommand
{
    public static Command Create(TextWriter output)
    {
        var parts = JobCommand.Create("cancel", "Cancel a running job: no new shard or step starts and nothing is published. A job that has ended is left as it is.");
        parts.Command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await parts.Connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            var job = ClusterJob.Of(client.Client, parse.GetRequiredValue(parts.Id));
            var before = await job.GetKnownSummaryAsync(cancellationToken).ConfigureAwait(false);
            if (before.End is JobEnd end)
            {
                string already = end switch
                {
                    JobEnd.Done => "already done",
                    JobEnd.Failed => "already failed",
                    _ => "already cancelled",
                };
                await output.WriteLineAsync($"Job {job.Id} is {already}: nothing to cancel.").ConfigureAwait(false);
                await output.WriteLineAsync(before.Line).ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }

            var after = await job.CancelAsync().ConfigureAwait(false);
            await output.WriteLineAsync(after.Line).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return parts.Command;
    }
}
