using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>Translations between the wire records and the engine's types.</summary>
public static class JobSpecs
{
    public static CurationMode Mode(CurationJobSpec spec) => spec?.Mode == "v1" ? CurationMode.V1 : CurationMode.V2;

    public static CuratedFormat Format(CurationJobSpec spec) => spec?.Format == "jsonl" ? CuratedFormat.Jsonl : CuratedFormat.Parquet;

    public static SnapshotColumns Columns(CurationJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new SnapshotColumns { Text = spec.TextColumn, Url = spec.UrlColumn, Uuid = spec.UuidColumn, Lang = spec.LangColumn };
    }

    /// <summary>True when the job's texts are language-identified: MetaCLIP 2 mode without a language column.</summary>
    public static bool NeedsLid(CurationJobSpec spec) => Mode(spec) == CurationMode.V2 && spec?.LangColumn is null;

    public static ulong? EffectiveTEn(CurationJobSpec spec) =>
        spec?.P.HasValue == true ? null : spec?.TEn ?? CurationOptions.DefaultTEn;

    public static SnapshotUnit Unit(ShardTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new SnapshotUnit(new SnapshotFile(task.FilePath, task.FileName, (SnapshotFormat)task.FileFormat), task.RowGroup);
    }

    public static string MatchesPath(ShardTask task) => DataStore.Combine(task.WorkFolder, $"shard-{task.Index:D6}.matches");

    public static string DecisionsPart(string workFolder, int index) => DataStore.Combine(workFolder, $"decisions-{index:D6}.jsonl");

    public static string CuratedPart(string workFolder, int index) => DataStore.Combine(workFolder, $"curated-{index:D6}");

    public static LanguageFigures[] Figures(IReadOnlyDictionary<string, LanguageTally> tallies) =>
        [.. tallies.OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new LanguageFigures(t.Key, t.Value.Texts, t.Value.MatchedTexts, t.Value.ImagesDecided, t.Value.ImagesKept))];
}
