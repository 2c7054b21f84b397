using System.CommandLine;
using System.Globalization;
using MetaClip.Client.Cluster;
using MetaClip.Curation;
using MetaClip.Outputs;
using MetaClip.Snapshots;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip curate</c>: one whole curation job on this machine.</summary>
internal static class CurateCommand
{
    public static Command Create(TextWriter output, TextWriter error, bool interactive)
    {
        var snapshot = new Option<string>("--snapshot")
        {
            Description = "The crawl snapshot: a Parquet or JSON Lines (.jsonl, .jsonl.gz) file, or a folder of them. One row per alt-text.",
            Required = true,
            HelpName = "PATH",
        };
        var metadata = new Option<string>("--metadata")
        {
            Description = "The metadata folder: {lang}.json lists of concepts per language, and optionally lid_map.json.",
            Required = true,
            HelpName = "DIR",
        };
        var outFolder = new Option<string>("--out")
        {
            Description = "Where to write thresholds.json, entry_counts/, decisions.jsonl, curated/ and report.html. Written only if the job succeeds.",
            Required = true,
            HelpName = "DIR",
        };
        var tEn = new Option<ulong?>("--t-en")
        {
            Description = $"English threshold t_en: head concepts are sampled down to about this many texts (default {CurationOptions.DefaultTEn}; MetaCLIP 1 used 20000).",
            HelpName = "N",
        };
        var p = new Option<double?>("--p")
        {
            Description = "Give the tail proportion p (0..1) directly instead of deriving it from t_en; every language, English too, gets its threshold from p.",
            HelpName = "P",
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Seed of the random draws (a 64-bit unsigned number). The same seed gives the same curated set.",
            DefaultValueFactory = _ => 0,
            HelpName = "S",
        };
        var mode = new Option<string>("--mode")
        {
            Description = "v2: MetaCLIP 2 worldwide curation (per-language metadata). v1: MetaCLIP 1 (English list only, no language identification).",
            DefaultValueFactory = _ => "v2",
        };
        mode.AcceptOnlyFromAmong("v2", "v1");
        var langColumn = new Option<string?>("--lang-column")
        {
            Description = "Snapshot column holding each text's language label (a fastText lid.176 label such as en, de, zh). Required in v2 mode for now: built-in language identification is not available yet.",
            HelpName = "NAME",
        };
        var textColumn = new Option<string>("--text-column") { Description = "Column holding the alt-text (LAION: TEXT matches the default; img2dataset: caption).", DefaultValueFactory = _ => "text", HelpName = "NAME" };
        var urlColumn = new Option<string>("--url-column") { Description = "Column holding the image URL (texts of one URL are one image when there is no uuid column).", DefaultValueFactory = _ => "url", HelpName = "NAME" };
        var uuidColumn = new Option<string>("--uuid-column") { Description = "Column holding the image id; rows with the same id are texts of one image. Without it the id is derived from the URL.", DefaultValueFactory = _ => "uuid", HelpName = "NAME" };
        var format = new Option<string>("--format") { Description = "File format of the curated set.", DefaultValueFactory = _ => "parquet" };
        format.AcceptOnlyFromAmong("parquet", "jsonl");
        var skipBadFiles = new Option<bool>("--skip-bad-files")
        {
            Description = "Report a snapshot file (or Parquet row group) that cannot be read and go on without it, instead of failing the job.",
        };
        var engineOnly = new Option<bool>("--engine-only")
        {
            Description = "Run the curation engine directly in this process instead of on the embedded single-machine cluster (same outputs; for comparisons and benchmarks).",
        };
        var threads = new Option<int>("--threads") { Description = "Threads used for matching (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount, HelpName = "N" };
        threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--threads must be at least 1");
            }
        });
        p.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is double v && !(v >= 0 && v <= 1))
            {
                r.AddError("--p must be between 0 and 1");
            }
        });

        var command = new Command("curate",
            "Curate a crawl snapshot on an embedded single-machine cluster: match every alt-text against its language's concept list, count matches per concept over the whole snapshot, " +
            "compute per-language thresholds, and keep a balanced subset (all tail-concept texts, head concepts sampled down).\n\n" +
            "Example:\n  metaclip curate --snapshot samples/snapshot --metadata samples/metadata --out out/sample --lang-column lang")
        {
            snapshot, metadata, outFolder, tEn, p, seed, mode, langColumn, textColumn, urlColumn, uuidColumn, format, threads, skipBadFiles, engineOnly,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(tEn) is { Implicit: false } && r.GetResult(p) is { Implicit: false })
            {
                r.AddError("give either --t-en or --p, not both");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            bool v1 = parse.GetValue(mode) == "v1";
            string? lang = parse.GetValue(langColumn);
            if (!v1 && lang is null)
            {
                throw new CurationException(
                    "--lang-column is required: built-in language identification (fastText lid.176) is not available yet, so each text's language must come from a snapshot column (e.g. --lang-column lang)");
            }

            var options = new CurationOptions
            {
                Snapshot = parse.GetRequiredValue(snapshot),
                Metadata = parse.GetRequiredValue(metadata),
                Output = parse.GetRequiredValue(outFolder),
                TEn = parse.GetValue(tEn),
                P = parse.GetValue(p),
                Seed = parse.GetValue(seed),
                Mode = v1 ? CurationMode.V1 : CurationMode.V2,
                Columns = new SnapshotColumns
                {
                    Text = parse.GetRequiredValue(textColumn),
                    Url = parse.GetRequiredValue(urlColumn),
                    Uuid = parse.GetRequiredValue(uuidColumn),
                    Lang = lang,
                },
                Format = parse.GetValue(format) == "jsonl" ? CuratedFormat.Jsonl : CuratedFormat.Parquet,
                Threads = parse.GetValue(threads),
                SkipBadFiles = parse.GetValue(skipBadFiles),
            };

            var result = await ConsoleProgress.RunAsync(interactive, output, async progress =>
            {
                if (parse.GetValue(engineOnly))
                {
                    return await new CurationPipeline(options, progress).RunAsync(cancellationToken).ConfigureAwait(false);
                }

                progress.Report(new CurationProgress(CurationPhase.Starting, 0, 0, 0));
                await using var cluster = await EmbeddedCluster.StartAsync(cancellationToken).ConfigureAwait(false);
                return await ClusterCuration.RunAsync(cluster.Client, options, progress, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            await WriteSummaryAsync(output, result).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static async Task WriteSummaryAsync(TextWriter output, CurationResult result)
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
        await output.WriteLineAsync($"  {CurationFiles.ThresholdsFile}, {CurationFiles.EntryCountsFolder}/, {CurationFiles.DecisionsFile}, {CuratedWriter.Folder}/").ConfigureAwait(false);
        await output.WriteLineAsync($"Report:  {result.ReportHtml}").ConfigureAwait(false);
    }
}
