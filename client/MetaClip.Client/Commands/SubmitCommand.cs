using System.CommandLine;
using MetaClip.Client.Cluster;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip submit</c>: a curation job to a running cluster; prints its id at once.</summary>
internal static class SubmitCommand
{
    public static Command Create(TextWriter output)
    {
        var job = new JobOptionSet();
        var connection = new ClusterConnection();
        var command = new Command("submit", "Submit a curation job to a running cluster and print its id at once (follow it with 'metaclip watch ID').");
        job.AddTo(command);
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = job.Read(parse);
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string id = Guid.NewGuid().ToString("N");
            var status = await client.Client.GetGrain<ICurationJobGrain>(id).Start(options).ConfigureAwait(false);

            await output.WriteLineAsync($"Submitted job {id} ({status.Shards} shards).").ConfigureAwait(false);
            await output.WriteLineAsync($"Follow it with: metaclip watch {id} --cluster {parse.GetValue(connection.Cluster)}").ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }
}
