using System.CommandLine;
using MetaClip.Engine;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip retry JOB</c>: runs a failed curation job again from where it stopped.</summary>
internal static class RetryCommand
{
    public static Command Create(TextWriter output)
    {
        var parts = JobCommand.Create("retry", "Run a failed job again from where it stopped: finished shards are kept, the rest run again.");
        var skip = new Option<bool>("--skip-bad-files") { Description = "This time report an unreadable file or row group and go on without it." };
        parts.Command.Options.Add(skip);
        parts.Command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await parts.Connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string jobId = parse.GetRequiredValue(parts.Id);
            if (ClusterJob.Of(client.Client, jobId) is not CurationClusterJob job)
            {
                throw new CurationException($"job {jobId} is a training job: run the same 'metaclip train --submit' again to resume it from its checkpoint");
            }

            var before = await job.Grain.GetStatus().ConfigureAwait(false);
            if (before.Phase != CurationJobPhase.Failed)
            {
                throw before.Phase == CurationJobPhase.NotStarted
                    ? ClusterJob.NoSuchJob(jobId)
                    : new CurationException($"job {jobId} is {before.Phase}: only a failed job can be retried");
            }

            var status = await job.Grain.Retry(parse.GetValue(skip)).ConfigureAwait(false);
            await output.WriteLineAsync(TerminalText.Printable(CurationClusterJob.Describe(jobId, status))).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return parts.Command;
    }
}
