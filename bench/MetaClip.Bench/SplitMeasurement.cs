using System.Diagnostics;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Bench;

/// <summary>
/// A measured plan of one snapshot file, as a worker plans it (<see cref="SnapshotPlanner.PlanFileAsync"/>): a JSON Lines
/// file split by <see cref="JsonlSplitter"/> into ranges of about <c>range</c> bytes, a Parquet file's row groups by
/// <see cref="ParquetSplitter"/> into ranges of <c>range</c> rows. Prints the shards it finds, and megabytes of the file
/// per second of the process's CPU time (the splitter's reads hop threads, so one thread's clock would miss part of it)
/// and of wall time. Every file larger than the shard size is read through once this way before its shards run.
/// </summary>
internal static class SplitMeasurement
{
    public static async Task<int> RunAsync(string snapshotPath, long range, int rounds)
    {
        var snapshot = (await SnapshotFile.DiscoverAsync(DataStore.Local, snapshotPath, CancellationToken.None))[0];
        var columns = new SnapshotColumns();
        double megabytes = new FileInfo(snapshotPath).Length / 1e6;
        var cpuRates = new List<double>();
        var wallRates = new List<double>();
        int ranges = 0;
        for (int r = 0; r <= rounds; r++)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            ranges = (await SnapshotPlanner.PlanFileAsync(DataStore.Local, snapshot, columns, shardBytes: range, shardRows: range, CancellationToken.None)).Count;
            watch.Stop();
            process.Refresh();
            if (r > 0) // round 0 warms up
            {
                cpuRates.Add(megabytes / (process.TotalProcessorTime - cpu).TotalSeconds);
                wallRates.Add(megabytes / watch.Elapsed.TotalSeconds);
            }
        }

        cpuRates.Sort();
        wallRates.Sort();
        Console.WriteLine($"split {megabytes:0.0} MB into {ranges} shards of ~{(snapshot.Format == SnapshotFormat.Parquet ? $"{range:N0} rows" : $"{range / 1e6:0.#} MB")}: median {cpuRates[cpuRates.Count / 2]:0.0} MB per CPU-second " +
            $"(best {cpuRates[^1]:0.0}), {wallRates[wallRates.Count / 2]:0.0} MB/s wall, {rounds} rounds");
        return 0;
    }
}
