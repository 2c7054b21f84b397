namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The part of a file or row group that a split unit covers (docs/formats.md, "Grouping"): for a JSON Lines file, the
/// bytes <c>[Start, End)</c> of its text (after decompression for <c>.jsonl.gz</c>), beginning at line
/// <see cref="FirstLine"/>; for a Parquet row group, its rows <c>[Start, End)</c>. A split never falls inside an
/// image: every row of an image lies in one range.
/// </summary>
public readonly record struct UnitRange(long Start, long End, int FirstLine)
{
    /// <summary>The range's length in bytes (JSONL) or rows (Parquet).</summary>
    public long Length => End - Start;
}
