namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The unit of work (docs/formats.md "Grouping"): one Parquet row group or one whole JSONL file, or, when it is
/// large, a <see cref="Range"/> of one that holds every row of its images. Rows with the same uuid inside one file's
/// unit of grouping (the file or row group) are the texts of one image, and they are never split between ranges.
/// </summary>
public sealed record SnapshotUnit(SnapshotFile File, int RowGroup, UnitRange? Range = null)
{
    /// <summary>
    /// A stable id: the file's relative path, plus <c>#rg{n}</c> for a Parquet row group, plus <c>#bytes{start}-{end}</c>
    /// (JSONL) or <c>#rows{start}-{end}</c> (Parquet) for a range.
    /// </summary>
    public string Id => IdOf(File.Name, RowGroup, Range);

    /// <summary>The id of a unit (<see cref="Id"/>), from its parts.</summary>
    public static string IdOf(string fileName, int rowGroup, UnitRange? range)
    {
        string id = rowGroup < 0 ? fileName : $"{fileName}#rg{rowGroup}";
        return range is not UnitRange r ? id : rowGroup < 0 ? $"{id}#bytes{r.Start}-{r.End}" : $"{id}#rows{r.Start}-{r.End}";
    }
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
