using System.IO.Compression;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>
/// The plan of a snapshot of many files, planned <see cref="SnapshotPlanner.FilesAtOnce"/> at a time: the units come in
/// file order as if planned one by one, and a bad file is reported (or fails the plan) in file order too.
/// </summary>
public sealed class SnapshotPlannerTests : IDisposable
{
    private static readonly SnapshotColumns Columns = new() { Lang = "lang" };

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Files_planned_side_by_side_give_the_units_of_planning_them_one_by_one_in_file_order()
    {
        // Files of very different sizes (the small ones finish first), some split into many ranges, some gzip.
        for (int i = 0; i < 9; i++)
        {
            string path = ImageRowsFile.Write(_dir.Combine($"part-{i:D2}.jsonl"), images: i % 3 == 0 ? 400 : 5, seed: i);
            if (i % 4 == 1)
            {
                Compress(path);
            }
        }

        var files = await SnapshotFile.DiscoverAsync(DataStore.Local, _dir.Path, CancellationToken.None);
        var units = await SnapshotPlanner.PlanAsync(DataStore.Local, files, Columns, CancellationToken.None, shardBytes: 2_000);

        var oneByOne = new List<SnapshotUnit>();
        foreach (var file in files)
        {
            oneByOne.AddRange(await SnapshotPlanner.PlanFileAsync(DataStore.Local, file, Columns, 2_000, 0, CancellationToken.None));
        }

        Assert.Equal(oneByOne.Select(u => u.Id), units.Select(u => u.Id));
        Assert.True(units.Count > 2 * files.Count, $"the big files were split ({units.Count} units from {files.Count} files)");
    }

    [Fact]
    public async Task The_first_bad_file_in_file_order_fails_the_plan_and_skipped_ones_are_reported_in_file_order()
    {
        for (int i = 0; i < 6; i++)
        {
            string path = _dir.Combine($"part-{i}.jsonl.gz");
            if (i is 2 or 4)
            {
                await File.WriteAllTextAsync(path, "not gzip");
            }
            else
            {
                ImageRowsFile.Write(_dir.Combine($"part-{i}.jsonl"), images: 50, seed: i);
                Compress(_dir.Combine($"part-{i}.jsonl"));
            }
        }

        var files = await SnapshotFile.DiscoverAsync(DataStore.Local, _dir.Path, CancellationToken.None);
        var e = await Assert.ThrowsAsync<CurationException>(() => SnapshotPlanner.PlanAsync(DataStore.Local, files, Columns, CancellationToken.None, shardBytes: 2_000));
        Assert.Contains("part-2.jsonl.gz", e.Message, StringComparison.Ordinal);

        var skipped = new List<string>();
        var units = await SnapshotPlanner.PlanAsync(DataStore.Local, files, Columns, CancellationToken.None, (name, _) => skipped.Add(name), shardBytes: 2_000);
        Assert.Equal(["part-2.jsonl.gz", "part-4.jsonl.gz"], skipped);
        Assert.Equal(["part-0.jsonl.gz", "part-1.jsonl.gz", "part-3.jsonl.gz", "part-5.jsonl.gz"], units.Select(u => u.File.Name).Distinct());
    }

    [Fact]
    public async Task Regression_a_later_file_failing_first_does_not_hide_an_earlier_bad_file_still_being_read()
    {
        // CI: part-4 was reported instead of part-2 when part-4 failed while part-2 was still being read (its read was
        // cancelled with the rest). Here part-0 is still being read when part-1 fails, and fails after it.
        for (int i = 0; i < 3; i++)
        {
            ImageRowsFile.Write(_dir.Combine($"part-{i}.jsonl"), images: 5, seed: i);
        }

        var files = await SnapshotFile.DiscoverAsync(DataStore.Local, _dir.Path, CancellationToken.None);
        var laterFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new List<string>();
        var e = await Assert.ThrowsAsync<CurationException>(() => SnapshotPlanner.PlanFilesAsync(files, async (file, token) =>
        {
            lock (started)
            {
                started.Add(file.Name);
            }

            if (file.Name == "part-1.jsonl")
            {
                laterFailed.SetResult();
                throw new CurationException("snapshot file part-1.jsonl: bad");
            }

            await laterFailed.Task;
            await Task.Delay(200, token);
            throw new CurationException($"snapshot file {file.Name}: bad");
        }, onBadFile: null, CancellationToken.None));

        Assert.Contains("part-0.jsonl", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("part-2.jsonl", started); // after the first bad file: not read
    }

    private static void Compress(string path)
    {
        using (var source = File.OpenRead(path))
        using (var target = new GZipStream(File.Create(path + ".gz"), CompressionLevel.Fastest))
        {
            source.CopyTo(target);
        }

        File.Delete(path);
    }
}
