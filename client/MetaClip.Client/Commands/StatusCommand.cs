using System.CommandLine;
using MetaClip.Engine;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip status JOB</c>: a job's phase and progress, one line (exit 1 when the job failed).</summary>
internal static class StatusCommand
{
    public static Command Create(TextWriter output)
    {
        var parts = JobCommand.Create("status", "Print a job's phase and progress.");
        parts.Command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await parts.Connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            var job = ClusterJob.Of(client.Client, parse.GetRequiredValue(parts.Id));
            var summary = await job.GetKnownSummaryAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(TerminalText.Printable(summary.Line)).ConfigureAwait(false);
            return summary.End == JobEnd.Failed ? MetaClipCommandLine.InputError : MetaClipCommandLine.Success;
        });
        return parts.Command;
    }
}
