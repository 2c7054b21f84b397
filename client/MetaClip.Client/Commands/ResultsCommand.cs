using System.CommandLine;
using System.Globalization;
using MetaClip.Engine;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip results JOB</c>: where a finished curation job's outputs are, and its thresholds per language.</summary>
internal static class ResultsCommand
{
    public static Command Create(TextWriter output)
    {
        var parts = JobCommand.Create("results", "Where a finished job's outputs are, and its thresholds per language.");
        parts.Command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await parts.Connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string jobId = parse.GetRequiredValue(parts.Id);
            if (ClusterJob.Of(client.Client, jobId) is not CurationClusterJob job)
            {
                throw new CurationException($"job {jobId} is a training job: 'metaclip watch {jobId}' shows where its model is");
            }

            var status = await job.Grain.GetStatus().ConfigureAwait(false);
            if (status.Phase != CurationJobPhase.Done)
            {
                throw status.Phase == CurationJobPhase.NotStarted
                    ? ClusterJob.NoSuchJob(jobId)
                    : new CurationException($"job {jobId} has no results: it is {status.Phase}{(status.Error is null ? "" : " (" + status.Error + ")")}");
            }

            // The folder holds what the last job there wrote: say so when that is another job, with this one's own settings.
            var store = DataStore.FromEnvironment();
            var manifest = await OutputManifest.ReadAsync(store, status.Output!, cancellationToken).ConfigureAwait(false);
            if (manifest is not null && !string.Equals(manifest.Job, jobId, StringComparison.Ordinal))
            {
                string settings = status.Options is { } o
                    ? string.Create(CultureInfo.InvariantCulture, $" (this job: {(o.P is double p ? $"p = {p:R}" : $"t_en = {o.EffectiveTEn}")}, seed = {o.Seed}, snapshot {o.Snapshot})")
                    : string.Empty;
                throw new CurationException($"job {jobId}'s outputs at {status.Output} were replaced by job {manifest.Job} on {manifest.WrittenAt:u}{settings}");
            }

            var report = await ReportWriter.ReadAsync(store, status.Output!, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(TerminalText.Printable($"Results: {status.Output}")).ConfigureAwait(false);
            await output.WriteLineAsync(TerminalText.Printable($"Report:  {DataStore.Combine(status.Output!, "report.html")}")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"p = {report.P:R}, t_en = {report.TEn?.ToString(CultureInfo.InvariantCulture) ?? "-"}, seed = {report.Seed}")).ConfigureAwait(false);
            await output.WriteLineAsync("lang      t_lang   matched texts   images kept / matched").ConfigureAwait(false);
            foreach (var language in report.Languages)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{language.Language,-8} {language.Threshold?.ToString(CultureInfo.InvariantCulture) ?? "-",7} {language.MatchedTexts,15:N0}   {language.ImagesKept,11:N0} / {language.ImagesDecided:N0}")).ConfigureAwait(false);
            }

            return MetaClipCommandLine.Success;
        });
        return parts.Command;
    }
}
