using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots;

/// <summary>Turns a snapshot into its units (the shards of a job) and reads one unit.</summary>
public static class SnapshotPlanner
{
    /// <summary>
    /// Files planned at once in one process. Few: splitting a file holds a fingerprint per distinct image of it while
    /// it is read (docs/formats.md, "Grouping"), so each one planned at once adds its share to the peak memory — as a
    /// silo's worker slots bound the plan calls it runs at once.
    /// </summary>
    public const int FilesAtOnce = 2;

    /// <summary>
    /// One unit per JSONL file and per Parquet row group, in file order; a JSONL file larger than
    /// <paramref name="shardBytes"/> (0: no limit) becomes several units, byte ranges that never split an image
    /// (<see cref="JsonlSplitter"/>), and a row group of more than <paramref name="shardRows"/> rows (0: no limit)
    /// several units, row ranges that never split an image (<see cref="ParquetSplitter"/>). Files are planned side by
    /// side (<see cref="PlanFileAsync"/>: splitting a file reads it through), the units kept in file order. With
    /// <paramref name="onBadFile"/>, a file that cannot be opened is reported to it (in file order) and left out instead
    /// of failing the plan.
    /// </summary>
    public static Task<List<SnapshotUnit>> PlanAsync(DataStore store, IReadOnlyList<SnapshotFile> files, SnapshotColumns columns, CancellationToken cancellationToken,
        Action<string, CurationException>? onBadFile = null, long shardBytes = 0, long shardRows = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        return PlanFilesAsync(files, (file, token) => PlanFileAsync(store, file, columns, shardBytes, shardRows, token), onBadFile, cancellationToken);
    }

    /// <summary>
    /// The units of <paramref name="files"/>, each planned by <paramref name="planFile"/>, <see cref="FilesAtOnce"/> files at
    /// once, kept in file order; <paramref name="onBadFile"/> as in <see cref="PlanAsync"/>.
    /// </summary>
    public static async Task<List<SnapshotUnit>> PlanFilesAsync(IReadOnlyList<SnapshotFile> files, Func<SnapshotFile, CancellationToken, Task<IReadOnlyList<SnapshotUnit>>> planFile,
        Action<string, CurationException>? onBadFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(planFile);
        var planned = new IReadOnlyList<SnapshotUnit>?[files.Count];
        var failures = new CurationException?[files.Count];

        // Without onBadFile the first bad file in file order fails the plan. When a file fails, the files after it
        // need not be read (those in flight are cancelled, later ones not started), but the ones before it must
        // finish: one of them may fail too, and it is the one to report. (Cancelling all of them reported a later
        // file when an earlier one was still being read: CI, SnapshotPlannerTests.)
        int firstFailed = int.MaxValue;
        var inFlight = new CancellationTokenSource?[files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = FilesAtOnce, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), parallel, async (i, token) =>
        {
            if (onBadFile is null && i > Volatile.Read(ref firstFailed))
            {
                return;
            }

            using var file = CancellationTokenSource.CreateLinkedTokenSource(token);
            lock (inFlight)
            {
                inFlight[i] = file;
            }

            try
            {
                planned[i] = await planFile(files[i], file.Token).ConfigureAwait(false);
            }
            catch (CurationException e)
            {
                failures[i] = e;
                if (onBadFile is null)
                {
                    lock (inFlight)
                    {
                        firstFailed = Math.Min(firstFailed, i);
                        for (int later = i + 1; later < inFlight.Length; later++)
                        {
                            inFlight[later]?.Cancel();
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested && i > Volatile.Read(ref firstFailed))
            {
                // Stopped because an earlier file failed: that one is reported below.
            }
            finally
            {
                lock (inFlight)
                {
                    inFlight[i] = null;
                }
            }
        }).ConfigureAwait(false);

        var units = new List<SnapshotUnit>();
        for (int i = 0; i < files.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                if (onBadFile is null)
                {
                    throw failure;
                }

                onBadFile(files[i].Name, failure);
            }
            else if (planned[i] is { } fileUnits)
            {
                units.AddRange(fileUnits);
            }
        }

        return units;
    }

    /// <summary>
    /// One file's units, in order (see <see cref="PlanAsync"/>): the step a cluster runs on its workers, file by file.
    /// A file that cannot be opened or read fails with a <see cref="CurationException"/> naming it.
    /// </summary>
    public static async Task<IReadOnlyList<SnapshotUnit>> PlanFileAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, long shardBytes, long shardRows,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(file);
        if (file.Format != SnapshotFormat.Parquet)
        {
            return [.. await SplitJsonlAsync(store, file, columns, shardBytes, cancellationToken).ConfigureAwait(false)];
        }

        var units = new List<SnapshotUnit>();
        await using var reader = await ParquetUnitReader.OpenAsync(store, file, columns, cancellationToken).ConfigureAwait(false);
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var ranges = shardRows > 0 ? await ParquetSplitter.SplitAsync(reader, g, shardRows, cancellationToken).ConfigureAwait(false) : [];
            units.AddRange(ranges.Count <= 1 ? [new SnapshotUnit(file, g)] : ranges.Select(r => new SnapshotUnit(file, g, r)));
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
