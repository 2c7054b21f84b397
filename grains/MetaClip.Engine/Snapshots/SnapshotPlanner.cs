using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots;

/// <summary>Turns a snapshot into its units (the shards of a job) and reads one unit.</summary>
public static class SnapshotPlanner
{
    /// <summary>
    /// One unit per JSONL file and per Parquet row group, in file order; a JSONL file larger than
    /// <paramref name="shardBytes"/> (0: no limit) becomes several units, byte ranges that never split an image
    /// (<see cref="JsonlSplitter"/>), and a row group of more than <paramref name="shardRows"/> rows (0: no limit)
    /// several units, row ranges that never split an image (<see cref="ParquetSplitter"/>). With
    /// <paramref name="onBadFile"/>, a file that cannot be opened is reported to it and left out instead of failing the plan.
    /// </summary>
    public static async Task<List<SnapshotUnit>> PlanAsync(DataStore store, IReadOnlyList<SnapshotFile> files, SnapshotColumns columns, CancellationToken cancellationToken,
        Action<string, CurationException>? onBadFile = null, long shardBytes = 0, long shardRows = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(files);
        var units = new List<SnapshotUnit>();
        foreach (var file in files)
        {
            if (file.Format != SnapshotFormat.Parquet)
            {
                try
                {
                    units.AddRange(await SplitJsonlAsync(store, file, columns, shardBytes, cancellationToken).ConfigureAwait(false));
                }
                catch (CurationException e) when (onBadFile is not null)
                {
                    onBadFile(file.Name, e);
                }

                continue;
            }

            try
            {
                await using var reader = await ParquetUnitReader.OpenAsync(store, file, columns, cancellationToken).ConfigureAwait(false);
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    var ranges = shardRows > 0 ? await ParquetSplitter.SplitAsync(reader, g, shardRows, cancellationToken).ConfigureAwait(false) : [];
                    units.AddRange(ranges.Count <= 1 ? [new SnapshotUnit(file, g)] : ranges.Select(r => new SnapshotUnit(file, g, r)));
                }
            }
            catch (CurationException e) when (onBadFile is not null)
            {
                onBadFile(file.Name, e);
            }
        }

        return units;
    }

    /// <summary>A JSONL file's units: the whole file, or its ranges when it is larger than <paramref name="shardBytes"/>.</summary>
    private static async Task<IEnumerable<SnapshotUnit>> SplitJsonlAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, long shardBytes, CancellationToken cancellationToken)
    {
        // A plain file's size is known without reading it; a compressed one is read through (its text may be larger).
        if (shardBytes <= 0 || (file.Format == SnapshotFormat.Jsonl && await store.SizeAsync(file.Path, cancellationToken).ConfigureAwait(false) <= shardBytes))
        {
            return [new SnapshotUnit(file, -1)];
        }

        var ranges = await JsonlSplitter.SplitAsync(store, file, columns, shardBytes, cancellationToken).ConfigureAwait(false);
        return ranges.Count <= 1 ? [new SnapshotUnit(file, -1)] : ranges.Select(r => new SnapshotUnit(file, -1, r));
    }

    /// <summary>Reads one unit on its own (a shard worker's view).</summary>
    public static async Task<UnitRows> ReadUnitAsync(DataStore store, SnapshotUnit unit, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.RowGroup < 0)
        {
            return await JsonlUnitReader.ReadAsync(store, unit, columns, cancellationToken).ConfigureAwait(false);
        }

        await using var reader = await ParquetUnitReader.OpenAsync(store, unit.File, columns, cancellationToken).ConfigureAwait(false);
        return await reader.ReadUnitAsync(unit, cancellationToken).ConfigureAwait(false);
    }
}
