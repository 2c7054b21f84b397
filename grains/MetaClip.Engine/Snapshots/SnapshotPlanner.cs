namespace MetaClip.Snapshots;

/// <summary>Turns a snapshot into its units (the shards of a job) and reads one unit.</summary>
public static class SnapshotPlanner
{
    /// <summary>One unit per JSONL file and per Parquet row group, in file order.</summary>
    public static async Task<List<SnapshotUnit>> PlanAsync(IReadOnlyList<SnapshotFile> files, SnapshotColumns columns, CancellationToken cancellationToken)
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

            await using var reader = await ParquetUnitReader.OpenAsync(file, columns, cancellationToken).ConfigureAwait(false);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                units.Add(new SnapshotUnit(file, g));
            }
        }

        return units;
    }

    /// <summary>Reads one unit on its own (a shard worker's view).</summary>
    public static async Task<UnitRows> ReadUnitAsync(SnapshotUnit unit, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.RowGroup < 0)
        {
            return await JsonlUnitReader.ReadAsync(unit.File, columns, cancellationToken).ConfigureAwait(false);
        }

        await using var reader = await ParquetUnitReader.OpenAsync(unit.File, columns, cancellationToken).ConfigureAwait(false);
        return await reader.ReadUnitAsync(unit.RowGroup, cancellationToken).ConfigureAwait(false);
    }
}
