using MetaClip.Engine.Outputs;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Pipeline;

/// <summary>Everything a curation job needs to know.</summary>
public sealed record CurationOptions
{
    /// <summary>The MetaCLIP 2 default English threshold.</summary>
    public const ulong DefaultTEn = 170_000;

    /// <summary>A snapshot file or folder.</summary>
    public required string Snapshot { get; init; }

    /// <summary>A metadata folder.</summary>
    public required string Metadata { get; init; }

    /// <summary>The output folder.</summary>
    public required string Output { get; init; }

    /// <summary>The English threshold; ignored when <see cref="P"/> is given.</summary>
    public ulong? TEn { get; init; }

    /// <summary>The tail proportion, given directly (replaces <see cref="TEn"/>).</summary>
    public double? P { get; init; }

    public ulong Seed { get; init; }

    /// <summary>0 for offline curation; training's online curation uses the epoch number.</summary>
    public ulong Epoch { get; init; }

    public CurationMode Mode { get; init; } = CurationMode.V2;

    public SnapshotColumns Columns { get; init; } = new();

    public CuratedFormat Format { get; init; } = CuratedFormat.Parquet;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The fastText LID model (<c>lid.176.ftz</c>, a local path or <c>az://</c> blob) that gives each text its
    /// LID label when <see cref="SnapshotColumns.Lang"/> is not set (MetaCLIP 2 mode only).
    /// </summary>
    public string? LidModel { get; init; }

    /// <summary>True when texts are language-identified by <see cref="LidModel"/>: MetaCLIP 2 mode, no language column.</summary>
    public bool NeedsLid => Mode == CurationMode.V2 && Columns.Lang is null;

    /// <summary>
    /// The folder of compiled metadata lists on this machine (<see cref="MetaClip.Engine.Matching.CompiledMatcherCache"/>),
    /// <c>off</c> for none; when null, <c>METACLIP_MATCHER_CACHE</c>, else <c>~/.cache/metaclip/matchers</c>. A
    /// machine setting: it never changes a result.
    /// </summary>
    public string? MatcherCache { get; init; }

    /// <summary>Report and skip a snapshot file (or row group) that cannot be read, instead of failing the job.</summary>
    public bool SkipBadFiles { get; init; }

    /// <summary>The threshold actually used: <see cref="TEn"/>, or the default when neither it nor <see cref="P"/> is given.</summary>
    public ulong? EffectiveTEn => P.HasValue ? null : TEn ?? DefaultTEn;
}
