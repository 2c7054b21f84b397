using System.CommandLine;
using MetaClip.Client.Cluster;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip dashboard</c>: prints the URL of the cluster's job dashboard (every silo serves it), and the others.</summary>
internal static class DashboardCommand
{
    public static Command Create(TextWriter output)
    {
        var connection = new ClusterConnection();
        var job = new Argument<string?>("job") { Description = "A job to open at once (its page instead of the jobs list).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("dashboard",
            "Print the URL of the cluster's job dashboard: jobs, a job's progress live, silos, and the Orleans Dashboard at /orleans. Every silo serves it on its " +
            "HTTP port; log in with a viewer or operator key (MetaClip:Http keys).");
        connection.AddTo(command);
        command.Arguments.Add(job);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string[] urls = await client.Client.GetGrain<IDashboardGrain>(0).SiloUrls().ConfigureAwait(false);
            if (urls.Length == 0)
            {
                await output.WriteLineAsync("The silos publish no HTTP URL (Orleans:Metadata:http): open http://SILO:PORT/ on a silo's --urls.").ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }

            string path = parse.GetValue(job) is { Length: > 0 } id ? "/jobs/" + Uri.EscapeDataString(id) : "/";
            await output.WriteLineAsync($"Dashboard: {urls[0]}{path}").ConfigureAwait(false);
            foreach (string other in urls.Skip(1))
            {
                await output.WriteLineAsync($"      also: {other}{path}").ConfigureAwait(false);
            }

            await output.WriteLineAsync("Log in with a viewer or operator key; the Orleans Dashboard is at /orleans/.").ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }
}
