using System.CommandLine;
using System.Globalization;
using MetaClip.Client.Cluster;
using MetaClip.Dashboard;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip curate</c>: one whole curation job on this machine.</summary>
internal static class CurateCommand
{
    public static Command Create(TextWriter output, TextWriter error, bool interactive)
    {
        var job = new JobOptionSet(CurationOptions.SingleMachineShardBytes, CurationOptions.SingleMachineShardRows);
        var engineOnly = new Option<bool>("--engine-only")
        {
            Description = "Run the curation engine directly in this process instead of on the embedded single-machine cluster (same outputs; for comparisons and benchmarks).",
        };

        var matcherCache = new Option<string?>("--matcher-cache")
        {
            Description = "Folder of compiled metadata lists on this machine (each list is compiled on first use, then loaded compiled), or 'off' ('none'). " +
                "Default: METACLIP_MATCHER_CACHE, else $XDG_CACHE_HOME/metaclip/matchers, else ~/.cache/metaclip/matchers.",
            HelpName = "DIR|off",
        };

        var dashboard = new Option<bool>("--dashboard")
        {
            Description = "Serve the job dashboard of the embedded cluster on loopback while the job runs, and print its URL (a browser on this machine follows the run live).",
        };

        var command = new Command("curate",
            "Curate a crawl snapshot on an embedded single-machine cluster: match every alt-text against its language's concept list, count matches per concept over the whole snapshot, " +
            "compute per-language thresholds, and keep a balanced subset (all tail-concept texts, head concepts sampled down).\n\n" +
            "Example:\n  metaclip curate --snapshot samples/snapshot --metadata samples/metadata --out out/sample");
        job.AddTo(command);
        command.Options.Add(engineOnly);
        command.Options.Add(matcherCache);
        command.Options.Add(dashboard);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = job.Read(parse) with { MatcherCache = parse.GetValue(matcherCache) };
            var store = DataStore.FromEnvironment();
            void Warn(string message) => error.WriteLine("warning: " + message);

            var result = await ConsoleProgress.RunAsync(interactive, output, async progress =>
            {
                if (parse.GetValue(engineOnly))
                {
                    return await new CurationPipeline(options, progress, store, Warn).RunAsync(cancellationToken).ConfigureAwait(false);
                }

                progress.Report(new CurationProgress(CurationPhase.Starting, 0, 0, 0));
                await using var cluster = await EmbeddedCluster.StartAsync(options.Metadata, options.Mode, options.MatcherCache, Warn, cancellationToken).ConfigureAwait(false);
                await using var web = parse.GetValue(dashboard) ? await DashboardServer.StartAsync(cluster.Services, 0, cancellationToken).ConfigureAwait(false) : null;
                if (web is not null)
                {
                    // Standard error: standard output keeps the progress and the summary.
                    await error.WriteLineAsync($"Dashboard: {web.Url}/ (this machine only; it stops when the job ends)").ConfigureAwait(false);
                }

                return await ClusterCuration.RunAsync(cluster.Client, cluster.Store, options, progress, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            await WriteSummaryAsync(output, result, options.Parts).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static async Task WriteSummaryAsync(TextWriter output, CurationResult result, OutputParts parts)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = result.Report;
        var t = r.Totals;
        await output.WriteLineAsync(string.Create(inv,
            $"Curated {t.ImagesKept:N0} of {t.ImagesDecided:N0} matched images ({t.Texts:N0} texts in {r.Languages.Count} languages, p = {r.P:0.######}) in {r.TimingsSeconds["total"]:0.00} s.")).ConfigureAwait(false);
        foreach (string warning in r.Warnings)
        {
            await output.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Results: {result.OutputFolder}").ConfigureAwait(false);
        string decisions = parts == OutputParts.PerShard ? ShardPartWriter.DecisionsFolder + "/" : CurationFiles.DecisionsFile;
        await output.WriteLineAsync($"  {CurationFiles.ThresholdsFile}, {CurationFiles.EntryCountsFolder}/, {decisions}, {CuratedWriter.Folder}/").ConfigureAwait(false);
        await output.WriteLineAsync($"Report:  {result.ReportHtml}").ConfigureAwait(false);
    }
}
