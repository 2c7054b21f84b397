namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The unit of grouping and of work (docs/formats.md "Grouping"): one Parquet row group or one whole JSONL file.
/// Rows with the same uuid inside one unit are the texts of one image.
/// </summary>
public sealed record SnapshotUnit(SnapshotFile File, int RowGroup)
{
    /// <summary>A stable id: the file's relative path, plus <c>#rg{n}</c> for a Parquet row group.</summary>
    public string Id => RowGroup < 0 ? File.Name : $"{File.Name}#rg{RowGroup}";
}

/// <summary>The rows of one unit, column by column. Arrays have <see cref="RowCount"/> elements; absent columns are null.</summary>
public sealed class UnitRows
{
    public required SnapshotUnit Unit { get; init; }

    public required int RowCount { get; init; }

    public required string?[] Text { get; init; }

    /// <summary>Uuid per row: read, or derived from the url (docs/curation-spec.md §6). Null only for rows whose text is skipped.</summary>
    public required string?[] Uuid { get; init; }

    public string?[]? Url { get; init; }

    public string?[]? Lang { get; init; }

    public string?[]? Key { get; init; }

    /// <summary>The name of the image column the unit has, if any (its bytes are read only when needed).</summary>
    public string? ImageColumn { get; init; }

    /// <summary>For messages: where a row is (JSONL line, or row of the row group).</summary>
    public Func<int, string> Locate { get; init; } = row => $"row {row}";
}
