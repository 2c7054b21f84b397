using System.Text;
using System.Text.Json;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Json;
using MetaClip.Engine.Matching;

namespace MetaClip.Engine.Outputs;

/// <summary>Writers of <c>thresholds.json</c>, <c>entry_counts/{lang}.jsonl</c> and <c>decisions.jsonl</c> (docs/formats.md).</summary>
public static class CurationFiles
{
    public const string ThresholdsFile = "thresholds.json";
    public const string EntryCountsFolder = "entry_counts";
    public const string DecisionsFile = "decisions.jsonl";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <c>thresholds.json</c>: languages with at least one text get a figures block.</summary>
    public static void WriteThresholds(string path, ThresholdTable table, ulong seed,
        IReadOnlyDictionary<string, LanguageTally> tallies, IReadOnlyDictionary<string, EntryCounts> counts)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(counts);
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        if (table.TEn is ulong tEn)
        {
            json.WriteNumber("t_en", tEn);
        }
        else
        {
            json.WriteNull("t_en");
        }

        json.WritePropertyName("p");
        json.WriteRawValue(JsonText.ShortestDouble(table.P));
        json.WriteNumber("seed", seed);
        json.WriteStartObject("t_lang");
        foreach (var (language, threshold) in table.Thresholds.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(language, threshold);
        }

        json.WriteEndObject();
        json.WriteStartArray("zero_threshold_languages");
        foreach (string language in table.ZeroThresholdLanguages)
        {
            json.WriteStringValue(language);
        }

        json.WriteEndArray();
        json.WriteStartObject("languages");
        foreach (var (language, tally) in tallies.Where(t => t.Value.Texts > 0).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject(language);
            json.WriteNumber("texts", tally.Texts);
            json.WriteNumber("matched_texts", tally.MatchedTexts);
            json.WriteNumber("matches", counts.TryGetValue(language, out var c) ? c.Total : 0);
            json.WriteNumber("images_decided", tally.ImagesDecided);
            json.WriteNumber("images_kept", tally.ImagesKept);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes <c>entry_counts/{lang}.jsonl</c> for each language with a match: non-zero counts, ascending id.</summary>
    public static void WriteEntryCounts(string folder, MetadataSet metadata, IReadOnlyDictionary<string, EntryCounts> counts, ThresholdTable table)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(table);
        Directory.CreateDirectory(folder);
        foreach (var (language, languageCounts) in counts)
        {
            if (!table.Probabilities.TryGetValue(language, out var probabilities) || !metadata.TryGetList(language, out var list))
            {
                continue;
            }

            using var writer = new StreamWriter(Path.Combine(folder, language + ".jsonl"), append: false, Utf8);
            var line = new StringBuilder(128);
            var values = languageCounts.Values;
            for (int id = 0; id < values.Length; id++)
            {
                if (values[id] == 0)
                {
                    continue;
                }

                line.Clear().Append("{\"id\": ").Append(id).Append(", \"entry\": ").AppendString(list.Entries[id])
                    .Append(", \"count\": ").Append(values[id]).Append(", \"prob\": ").Append(JsonText.ShortestSingle(probabilities[id])).Append('}');
                writer.WriteLine(line);
            }
        }
    }

    /// <summary>One <c>decisions.jsonl</c> line.</summary>
    public static void AppendDecision(StringBuilder line, in ImageDecision decision)
    {
        ArgumentNullException.ThrowIfNull(line);
        line.Append("{\"uuid\": ").AppendString(decision.Uuid)
            .Append(", \"text_index\": ").Append(decision.TextIndex)
            .Append(", \"lang\": ").AppendString(decision.Language)
            .Append(", \"prob\": ").AppendShortest(decision.Probability)
            .Append(", \"kept\": ").Append(decision.Kept ? "true" : "false").Append('}');
    }

    /// <summary>A file stream for a JSON Lines output (written through <see cref="ParallelLines"/>).</summary>
    public static FileStream CreateLines(string path) => new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false);
}
