using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Pipeline;

/// <summary>The figures a report needs besides counts and tallies.</summary>
public sealed record ReportInputs(int Files, int Units, long Rows, long SkippedTexts, long Images, long ImagesDecided, long ImagesKept)
{
    /// <summary>Files or row groups left out by <c>--skip-bad-files</c>, each with what was wrong.</summary>
    public IReadOnlyList<string> SkippedFiles { get; init; } = [];
}

/// <summary>Builds a job's <see cref="CurationReport"/> (the same for a single process and the cluster).</summary>
public static class ReportBuilder
{
    public static CurationReport Build(CurationOptions options, MetadataSet metadata, ReportInputs inputs,
        IReadOnlyDictionary<string, EntryCounts> counts, IReadOnlyDictionary<string, LanguageTally> tallies, ThresholdTable table,
        IReadOnlyDictionary<string, double> timings)
    {
        var warnings = new List<string>();
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(table);
        long skipped = inputs.SkippedTexts;
        foreach (string skippedFile in inputs.SkippedFiles)
        {
            warnings.Add($"skipped a bad file (--skip-bad-files): {skippedFile}");
        }

        if (skipped > 0)
        {
            warnings.Add($"{skipped:N0} rows had a null, empty or whitespace-only text and were skipped (they are not texts of any image).");
        }

        if (table.ZeroThresholdLanguages.Count > 0)
        {
            warnings.Add($"t_lang is 0 for {string.Join(", ", table.ZeroThresholdLanguages)} (p = {table.P:R}): these languages keep nothing.");
        }

        foreach (var (language, tally) in tallies.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!metadata.TryGetList(language, out _))
            {
                warnings.Add($"{tally.Texts:N0} texts went to metadata language '{language}', which has no list ({language}.json): they cannot match.");
            }
        }

        if (metadata.Mode == CurationMode.V2 && metadata.LidMap.Entries is { } map)
        {
            // A list that no LID label maps to is never matched against: say so, or an EN.json beside no en.json would
            // leave English to "other" with nothing said of the list itself.
            var targets = new HashSet<string>(map.Values, StringComparer.Ordinal) { LidMap.Other };
            var unreached = metadata.Languages.Where(l => !targets.Contains(l)).ToList();
            if (unreached.Count > 0)
            {
                string shown = string.Join(", ", unreached.Take(10).Select(l => l + ".json")) + (unreached.Count > 10 ? $" and {unreached.Count - 10:N0} more" : "");
                warnings.Add($"{unreached.Count:N0} metadata {(unreached.Count == 1 ? "list is" : "lists are")} never used: no LID label maps to "
                    + $"{(unreached.Count == 1 ? "its language" : "their languages")} in {(metadata.LidMap.IsExplicit ? "lid_map.json" : "the built-in LID map")}: {shown}.");
            }
        }

        var languages = new List<LanguageReport>();
        foreach (var (language, tally) in tallies.Where(t => t.Value.Texts > 0).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            counts.TryGetValue(language, out var c);
            var values = c is null ? [] : c.Values.ToArray();
            ulong? threshold = table.Thresholds.TryGetValue(language, out var t) ? t : null;
            ulong matches = 0, tail = 0;
            int matchedEntries = 0, head = 0;
            foreach (ulong v in values)
            {
                matches += v;
                if (v > 0)
                {
                    matchedEntries++;
                }

                if (threshold is ulong th && v >= th && v > 0)
                {
                    head++;
                }
                else
                {
                    tail += v;
                }
            }

            languages.Add(new LanguageReport
            {
                Language = language,
                Entries = values.Length,
                Texts = tally.Texts,
                MatchedTexts = tally.MatchedTexts,
                Matches = matches,
                MatchedEntries = matchedEntries,
                Threshold = threshold,
                HeadEntries = head,
                TailShare = matches == 0 ? 0 : (double)tail / matches,
                ImagesDecided = tally.ImagesDecided,
                ImagesKept = tally.ImagesKept,
                Curve = Curve(values),
            });
        }

        return new CurationReport
        {
            Snapshot = options.Snapshot,
            Metadata = options.Metadata,
            Output = options.Output,
            Mode = options.Mode == CurationMode.V1 ? "v1" : "v2",
            TEn = table.TEn,
            P = table.P,
            Seed = options.Seed,
            Columns = options.Columns,
            LidModel = options.NeedsLid ? options.LidModel : null,
            Totals = new ReportTotals(inputs.Files, inputs.Units, inputs.Rows, tallies.Values.Sum(t => t.Texts), skipped,
                inputs.Images, tallies.Values.Sum(t => t.MatchedTexts), (long)languages.Sum(l => (decimal)l.Matches),
                inputs.ImagesDecided, inputs.ImagesKept),
            Languages = languages,
            Warnings = warnings,
            SkippedFiles = inputs.SkippedFiles,
            TimingsSeconds = timings.ToDictionary(),
            FinishedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>Non-zero counts by descending rank, thinned to log-spaced ranks.</summary>
    public static List<long[]> Curve(ulong[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(v => v > 0).OrderDescending().ToArray();
        var points = new List<long[]>();
        long lastRank = 0;
        for (double r = 1; r <= sorted.Length; r *= 1.05)
        {
            long rank = (long)r;
            if (rank != lastRank)
            {
                points.Add([rank, (long)sorted[rank - 1]]);
                lastRank = rank;
            }
        }

        if (sorted.Length > 0 && lastRank != sorted.Length)
        {
            points.Add([sorted.Length, (long)sorted[^1]]);
        }

        return points;
    }
}
