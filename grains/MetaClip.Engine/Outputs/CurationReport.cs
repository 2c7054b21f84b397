using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Outputs;

/// <summary>What a person reads after a job (<c>report.json</c>, <c>report.html</c>).</summary>
public sealed record CurationReport
{
    public required string Snapshot { get; init; }

    public required string Metadata { get; init; }

    public required string Output { get; init; }

    public required string Mode { get; init; }

    public ulong? TEn { get; init; }

    public required double P { get; init; }

    public required ulong Seed { get; init; }

    /// <summary>The snapshot's columns as the job read them (training's online curation matches the snapshot again with them).</summary>
    public SnapshotColumns? Columns { get; init; }

    /// <summary>The language-identification model the job used, when it identified languages.</summary>
    public string? LidModel { get; init; }

    public required ReportTotals Totals { get; init; }

    public required IReadOnlyList<LanguageReport> Languages { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Snapshot files or row groups left out by <c>--skip-bad-files</c>, with what was wrong with each.</summary>
    public IReadOnlyList<string> SkippedFiles { get; init; } = [];

    /// <summary>Seconds per phase, in order.</summary>
    public required IReadOnlyDictionary<string, double> TimingsSeconds { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }
}

public sealed record ReportTotals(
    int Files, int Units, long Rows, long Texts, long SkippedTexts, long Images, long MatchedTexts,
    long Matches, long ImagesDecided, long ImagesKept);

/// <summary>One metadata language's figures, and its head/tail curve for the HTML report.</summary>
public sealed record LanguageReport
{
    public required string Language { get; init; }

    public required int Entries { get; init; }

    public required long Texts { get; init; }

    public required long MatchedTexts { get; init; }

    public required ulong Matches { get; init; }

    /// <summary>Entries with at least one match.</summary>
    public required int MatchedEntries { get; init; }

    public ulong? Threshold { get; init; }

    /// <summary>Entries whose count reaches the threshold (they are sampled down).</summary>
    public required int HeadEntries { get; init; }

    /// <summary>Share of the language's matches that fall on tail entries (count &lt; threshold).</summary>
    public required double TailShare { get; init; }

    public required long ImagesDecided { get; init; }

    public required long ImagesKept { get; init; }

    /// <summary>Non-zero counts sorted descending, thinned to at most a few hundred points (rank, count).</summary>
    public required IReadOnlyList<long[]> Curve { get; init; }
}
