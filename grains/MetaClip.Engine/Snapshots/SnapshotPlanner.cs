using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots;

/// <summary>Turns a snapshot into its units (the shards of a job) and reads one unit.</summary>
public static class SnapshotPlanner
{
    /// <summary>
    /// One unit per JSONL file and per Parquet row group, in file order. With <paramref name="onBadFile"/>, a
    /// Parquet file that cannot be opened is reported to it and left out instead of failing the plan.
    /// </summary>
    public static async Task<List<SnapshotUnit>> PlanAsync(DataStore store, IReadOnlyList<SnapshotFile> files, SnapshotColumns columns, CancellationToken cancellationToken,
        Action<string, CurationException>? onBadFile = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var units = new List<SnapshotUnit>();
        foreach (var file in files)
        {
            if (file.Format != SnapshotFormat.Parquet)
            {
                units.Add(new SnapshotUnit(file, -1));
                continue;
            }

            try
            {
                await using var reader = await ParquetUnitReader.OpenAsync(store, file, columns, cancellationToken).ConfigureAwait(false);
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    units.Add(new SnapshotUnit(file, g));
                }
            }
            catch (CurationException e) when (onBadFile is not null)
            {
                onBadFile(file.Name, e);
            }
        }

        return units;
    }

    /// <summary>Reads one unit on its own (a shard worker's view).</summary>
    public static async Task<UnitRows> ReadUnitAsync(DataStore store, SnapshotUnit unit, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.RowGroup < 0)
        {
            return await JsonlUnitReader.ReadAsync(store, unit.File, columns, cancellationToken).ConfigureAwait(false);
        }

        await using var reader = await ParquetUnitReader.OpenAsync(store, unit.File, columns, cancellationToken).ConfigureAwait(false);
        return await reader.ReadUnitAsync(unit.RowGroup, cancellationToken).ConfigureAwait(false);
    }
}
