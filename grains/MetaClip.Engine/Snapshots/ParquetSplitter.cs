namespace MetaClip.Engine.Snapshots;

/// <summary>
/// Splits a big Parquet row group into ranges of about a given number of rows (docs/formats.md, "Grouping"), the
/// way <see cref="JsonlSplitter"/> splits a JSON Lines file: a range starts at the first row of an image and ends after
/// the last row of one, and the rows of one image (same uuid, read or derived from the url) are never in two ranges,
/// however far apart they are in the row group (<see cref="ImageRanges"/>). The row group's uuid and url columns are
/// read page by page; memory is one 8-byte fingerprint per row of the row group while it is split, plus a
/// <see cref="FingerprintTable"/> slot per distinct image.
/// </summary>
public static class ParquetSplitter
{
    /// <summary>
    /// The ranges of row group <paramref name="rowGroup"/> for units of about <paramref name="rangeRows"/> rows; one
    /// range (the whole row group) when it is not larger than that, or when its images leave no place to split.
    /// </summary>
    public static async Task<IReadOnlyList<UnitRange>> SplitAsync(ParquetUnitReader reader, int rowGroup, long rangeRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(rangeRows, 1);
        long rows = reader.RowCountOf(rowGroup);
        if (rows <= rangeRows)
        {
            return [new UnitRange(0, rows, 0)];
        }

        // Per row its uuid's fingerprint: the uuid column's value, else derived from the url (UuidResolver's rule).
        var fingerprints = new ulong[checked((int)rows)];
        var derived = new Dictionary<string, ulong>(StringComparer.Ordinal);
        await reader.VisitImageKeysAsync(
            rowGroup,
            (row, uuid) =>
            {
                if (!string.IsNullOrEmpty(uuid))
                {
                    fingerprints[row] = ImageRanges.Fingerprint(uuid);
                }
            },
            (row, url) =>
            {
                if (fingerprints[row] == 0 && url is not null)
                {
                    // Rows of one image usually share their url: derive its uuid once per run of them.
                    if (!derived.TryGetValue(url, out ulong fingerprint))
                    {
                        if (derived.Count >= 4096)
                        {
                            derived.Clear();
                        }

                        derived[url] = fingerprint = ImageRanges.Fingerprint(ImageUuid.FromUrl(url));
                    }

                    fingerprints[row] = fingerprint;
                }
            },
            cancellationToken).ConfigureAwait(false);

        var ranges = new ImageRanges(rangeRows, firstLine: 0);
        for (int row = 0; row < fingerprints.Length; row++)
        {
            if (row + ImageRanges.PrefetchDistance < fingerprints.Length)
            {
                ranges.Prefetch(fingerprints[row + ImageRanges.PrefetchDistance]);
            }

            ranges.Add(row, 0, fingerprints[row]);
        }

        return ranges.Ranges(rows);
    }
}
