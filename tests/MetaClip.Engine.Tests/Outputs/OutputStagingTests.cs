using MetaClip.Engine.Outputs;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Outputs;

public class OutputStagingTests
{
    [Fact]
    public void Nothing_appears_until_commit_and_an_abandoned_job_leaves_earlier_outputs_intact()
    {
        using var dir = new TempFolder();
        string earlier = dir.File("out/thresholds.json", "earlier");
        using (var staging = new OutputStaging(dir.Combine("out")))
        {
            File.WriteAllText(staging.PathOf("thresholds.json"), "new");
            File.WriteAllText(staging.PathOf("report.json"), "new");
            Assert.False(File.Exists(dir.Combine("out", "report.json")));
        }

        Assert.Equal("earlier", File.ReadAllText(earlier));
        Assert.Equal(["thresholds.json"], Directory.EnumerateFileSystemEntries(dir.Combine("out")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Commit_replaces_earlier_outputs()
    {
        using var dir = new TempFolder();
        dir.File("out/curated/part-00000.parquet", "old");
        using var staging = new OutputStaging(dir.Combine("out"));
        Directory.CreateDirectory(staging.PathOf("curated"));
        File.WriteAllText(staging.PathOf("curated/part-00000.jsonl"), "new");
        await staging.CommitAsync(CancellationToken.None);
        Assert.Equal(["part-00000.jsonl"], Directory.EnumerateFiles(dir.Combine("out", "curated")).Select(Path.GetFileName));
        Assert.Equal([OutputManifest.FileName, "curated"], Directory.EnumerateFileSystemEntries(dir.Combine("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Regression_a_rerun_deleted_files_the_tool_never_wrote()
    {
        // Every file under OUT/curated/ and OUT/entry_counts/ was deleted, my-notes.txt included (issue 16).
        using var dir = new TempFolder();
        string notes = dir.File("out/curated/my-notes.txt", "mine");
        string other = dir.File("out/entry_counts/my-list.txt", "mine too");
        await CommitAsync(dir, "first", "entry_counts/de.jsonl", "entry_counts/fr.jsonl", "curated/part-00000.parquet");
        await CommitAsync(dir, "second", "entry_counts/de.jsonl", "curated/part-00000.parquet");

        Assert.Equal("mine", File.ReadAllText(notes));
        Assert.Equal("mine too", File.ReadAllText(other));
        Assert.False(File.Exists(dir.Combine("out", "entry_counts", "fr.jsonl")), "what the first run wrote and the second did not is gone");
        Assert.Equal("second", File.ReadAllText(dir.Combine("out", "entry_counts", "de.jsonl")));
        var manifest = await OutputManifest.ReadAsync(DataStore.Local, dir.Combine("out"), CancellationToken.None);
        Assert.Equal("job-second", manifest!.Job);
        Assert.Equal(["curated/part-00000.parquet", "entry_counts/de.jsonl"], manifest.Files);
    }

    [Fact]
    public async Task Regression_a_killed_run_s_staging_folder_stayed_forever()
    {
        // After SIGKILL, OUT/.staging-<guid> (227 MB after a kill during a 3M-text write) stayed (issue 16).
        using var dir = new TempFolder();
        string dead = dir.File("out/.staging-dead/decisions.jsonl", "half");
        File.WriteAllText(dir.Combine("out", ".staging-dead", ".owner"), $"process {Environment.MachineName} {int.MaxValue - 1} 0");
        string live = dir.File("out/.staging-live/decisions.jsonl", "being written");
        File.WriteAllText(dir.Combine("out", ".staging-live", ".owner"), OutputClaim.ForThisProcess("live").Owner);

        using (new OutputStaging(dir.Combine("out")))
        {
            Assert.False(Directory.Exists(Path.GetDirectoryName(dead)), "a dead run's staging is removed");
            Assert.True(File.Exists(live), "a live run's staging is never touched");
        }
    }

    [Fact]
    public async Task Placed_outputs_are_moved_into_place_before_the_report_and_listed_in_the_manifest()
    {
        using var dir = new TempFolder();
        string part = dir.File("out/.work/job/parts/curated/part-00000003.jsonl", "a worker's part");
        using (var staging = new OutputStaging(dir.Combine("out"), "job-parts"))
        {
            File.WriteAllText(staging.PathOf("report.json"), "report");
            await staging.CommitAsync(CancellationToken.None, [new PlacedOutput(part, "curated/part-00000003.jsonl")]);
        }

        Assert.Equal("a worker's part", File.ReadAllText(dir.Combine("out", "curated", "part-00000003.jsonl")));
        Assert.False(File.Exists(part), "moved, not copied");
        var manifest = await OutputManifest.ReadAsync(DataStore.Local, dir.Combine("out"), CancellationToken.None);
        Assert.Equal(["curated/part-00000003.jsonl", "report.json"], manifest!.Files);
    }

    [Fact]
    public async Task A_commit_that_stops_half_way_leaves_no_earlier_report_to_vouch_for_a_mix_of_two_runs()
    {
        using var dir = new TempFolder();
        await CommitAsync(dir, "first", "report.json", "report.html", "curated/part-00000000.jsonl");
        string part = dir.File("out/.work/job/parts/curated/part-00000000.jsonl", "second");
        using (var staging = new OutputStaging(dir.Combine("out"), "job-second"))
        {
            File.WriteAllText(staging.PathOf("report.json"), "second");
            var placed = new[] { new PlacedOutput(part, "curated/part-00000000.jsonl"), new PlacedOutput(dir.Combine("out", ".work", "job", "gone"), "curated/part-00000001.jsonl") };
            var e = await Assert.ThrowsAsync<CurationException>(() => staging.CommitAsync(CancellationToken.None, placed));
            Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(dir.Combine("out", "report.json")), "the first run's report no longer vouches for the folder");
        Assert.False(File.Exists(dir.Combine("out", "report.html")));

        // The manifest names the stopped job and every file of either run, so the next commit there removes what it does not write.
        var manifest = await OutputManifest.ReadAsync(DataStore.Local, dir.Combine("out"), CancellationToken.None);
        Assert.Equal("job-second", manifest!.Job);
        Assert.Equal(["curated/part-00000000.jsonl", "curated/part-00000001.jsonl", "report.html", "report.json"], manifest.Files);
        Assert.Equal("second", File.ReadAllText(dir.Combine("out", "curated", "part-00000000.jsonl")));
        await CommitAsync(dir, "third", "report.json", "decisions.jsonl");
        Assert.False(Directory.Exists(dir.Combine("out", "curated")), "the stopped job's moved part went");
    }

    private static async Task CommitAsync(TempFolder dir, string run, params string[] files)
    {
        using var staging = new OutputStaging(dir.Combine("out"), "job-" + run);
        foreach (string file in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(staging.PathOf(file))!);
            File.WriteAllText(staging.PathOf(file), run);
        }

        await staging.CommitAsync(CancellationToken.None);
    }
}
