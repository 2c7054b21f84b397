using System.CommandLine;
using MetaClip.Engine;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip cancel JOB</c>: cancels a running job, or a failed curation job (which keeps its output folder and
/// intermediates for <c>metaclip retry</c> until then). A job that is done or cancelled is left as it is: the command says
/// so and exits 0 (the job is not running, which is what was asked for).
/// </summary>
internal static class CancelCommand
{
    public static Command Create(TextWriter output)
    {
        var parts = JobCommand.Create("cancel", "Cancel a running job: no new shard or step starts and nothing is published. A failed curation job gives up its output folder and what it kept for a retry. A job that is done or cancelled is left as it is.");
        parts.Command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await parts.Connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            var job = ClusterJob.Of(client.Client, parse.GetRequiredValue(parts.Id));
            var before = await job.GetKnownSummaryAsync(cancellationToken).ConfigureAwait(false);
            if (before.End is JobEnd.Failed && job is CurationClusterJob)
            {
                // A failed curation job keeps its output folder and intermediates for a retry; cancelling it gives both up.
                var ended = await job.CancelAsync().ConfigureAwait(false);
                await output.WriteLineAsync($"Job {job.Id} had failed; cancelled: its output folder is free and what it kept for a retry is gone.").ConfigureAwait(false);
                await output.WriteLineAsync(TerminalText.Printable(ended.Line)).ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }

            if (before.End is JobEnd end)
            {
                string already = end switch
                {
                    JobEnd.Done => "already done",
                    JobEnd.Failed => "already failed",
                    _ => "already cancelled",
                };
                await output.WriteLineAsync($"Job {job.Id} is {already}: nothing to cancel.").ConfigureAwait(false);
                await output.WriteLineAsync(TerminalText.Printable(before.Line)).ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }

            var after = await job.CancelAsync().ConfigureAwait(false);
            await output.WriteLineAsync(TerminalText.Printable(after.Line)).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return parts.Command;
    }
}
