using System.CommandLine;
using System.Globalization;
using MetaClip.Client.Cluster;
using MetaClip.Engine;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip jobs</c>: every job submitted to the cluster, curation and training, oldest first, with who submitted it.</summary>
internal static class JobsCommand
{
    public static Command Create(TextWriter output)
    {
        var connection = new ClusterConnection();
        var command = new Command("jobs", "List the jobs submitted to the cluster (curation and training), with their phase.");
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            var jobs = await client.Client.GetGrain<IJobRegistryGrain>(0).List().ConfigureAwait(false);
            if (jobs.Length == 0)
            {
                await output.WriteLineAsync("No jobs on this cluster.").ConfigureAwait(false);
            }

            foreach (var entry in jobs)
            {
                // An entry of an older build may have an id that is no job id now: listed, never asked about.
                var summary = JobIds.IsValid(entry.Id) ? await ClusterJob.Of(client.Client, entry.Id).GetSummaryAsync(cancellationToken).ConfigureAwait(false) : null;
                string line = string.Create(CultureInfo.InvariantCulture,
                    $"{entry.Id}  {entry.SubmittedAt:u}  {entry.SubmittedBy ?? "-"}  {summary?.Phase ?? "unknown",-10}  {summary?.Progress ?? "-"}  {entry.Snapshot} -> {entry.Output}");
                await output.WriteLineAsync(TerminalText.Printable(line)).ConfigureAwait(false);
            }

            return MetaClipCommandLine.Success;
        });
        return command;
    }
}
