using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Outputs;

/// <summary>The output folder belongs to one job at a time (issue 16: two jobs with the same --out were both accepted).</summary>
public class OutputClaimTests
{
    [Fact]
    public async Task Regression_a_second_job_on_a_folder_in_use_is_refused_naming_the_first()
    {
        using var dir = new TempFolder();
        var options = Sample(dir);
        await OutputClaim.ForThisProcess("first-job").TakeAsync(DataStore.Local, dir.Combine("out"), _ => Task.FromResult(false), CancellationToken.None);

        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(options).RunAsync());
        Assert.Contains("is in use by job first-job", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "thresholds.json")), "the second job wrote nothing");

        await OutputClaim.ReleaseAsync(DataStore.Local, dir.Combine("out"), "first-job", CancellationToken.None);
        await new CurationPipeline(options).RunAsync();
        Assert.True(File.Exists(dir.Combine("out", "thresholds.json")));
        Assert.Null(await OutputClaim.ReadAsync(DataStore.Local, dir.Combine("out"), CancellationToken.None));
    }

    /// <summary>
    /// Regression: a second <c>metaclip curate</c> on a folder a live run held took it over and both published. On Linux
    /// each process works a process's start time out anew (boot time plus clock ticks), so the second run's reading
    /// differed from the holder's own by milliseconds, and the exact comparison judged the holder dead.
    /// </summary>
    [Fact]
    public void Regression_a_live_holder_whose_start_time_another_process_reads_a_few_milliseconds_apart_is_alive()
    {
        using var holder = System.Diagnostics.Process.Start("sleep", "60");
        try
        {
            long start = holder.StartTime.ToUniversalTime().Ticks;
            OutputClaim Claim(long ticks) => new("job", $"process {Environment.MachineName} {holder.Id} {ticks}", DateTimeOffset.UtcNow);
            Assert.False(Claim(start + (3 * TimeSpan.TicksPerMillisecond)).IsDeadProcessHere());
            Assert.False(Claim(start - (20 * TimeSpan.TicksPerMillisecond)).IsDeadProcessHere());
            Assert.True(Claim(start - (30 * TimeSpan.TicksPerSecond)).IsDeadProcessHere(), "another process that had the same id");
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }

        Assert.True(new OutputClaim("job", $"process {Environment.MachineName} {holder.Id} 0", DateTimeOffset.UtcNow).IsDeadProcessHere());
    }

    /// <summary>
    /// A review of the fix above: the start time Linux gives is boot time plus ticks, the boot time worked out from the
    /// wall clock, so a clock step of over a second (NTP, a VM resumed) between two readings still made a live holder
    /// look dead. Where the kernel says when a process started in ticks since boot, that is what the claim holds.
    /// </summary>
    [Fact]
    public void A_claim_names_its_process_by_its_start_in_ticks_since_boot_where_the_kernel_gives_it()
    {
        var claim = OutputClaim.ForThisProcess("job");
        if (!File.Exists("/proc/self/stat"))
        {
            Assert.DoesNotContain("boot:", claim.Owner, StringComparison.Ordinal);
            return;
        }

        Assert.Matches($"^process {System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)} {Environment.ProcessId} boot:[0-9]+$", claim.Owner);
        Assert.False(claim.IsDeadProcessHere());
        using var holder = System.Diagnostics.Process.Start("sleep", "60");
        long boot = OutputClaim.BootTicksOf(holder.Id)!.Value;
        OutputClaim Of(string start) => new("job", $"process {Environment.MachineName} {holder.Id} {start}", DateTimeOffset.UtcNow);
        Assert.False(Of($"boot:{boot}").IsDeadProcessHere());
        Assert.True(Of($"boot:{boot - 1}").IsDeadProcessHere(), "another process that had the same id");
        Assert.False(Of("boot:not-a-number").IsDeadProcessHere(), "a claim that cannot be read is not taken over");
        holder.Kill();
        holder.WaitForExit();
        Assert.True(Of($"boot:{boot}").IsDeadProcessHere());
    }

    [Fact]
    public async Task The_claim_of_a_killed_run_is_taken_over()
    {
        using var dir = new TempFolder();
        dir.File("out/" + OutputClaim.FileName, $$"""{"job": "killed", "owner": "process {{Environment.MachineName}} {{int.MaxValue - 1}} 0", "since": "2026-01-01T00:00:00Z"}""");
        await new CurationPipeline(Sample(dir)).RunAsync();
        Assert.True(File.Exists(dir.Combine("out", "thresholds.json")));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("snapshot")]
    [InlineData("snapshot/out")]
    [InlineData("metadata")]
    public void Regression_an_output_folder_that_is_the_root_or_inside_an_input_is_refused(string output)
    {
        // --out / wrote six outputs into /; --out inside the snapshot broke the next run (issue 16).
        using var dir = new TempFolder();
        var options = Sample(dir) with { Output = output == "/" ? "/" : dir.Combine(output) };
        var e = Assert.Throws<CurationException>(options.Validate);
        Assert.StartsWith("--out ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("link/out", "link")]
    [InlineData("snapshot/out", "link")]
    [InlineData("link", "snapshot")]
    public void Regression_an_output_folder_inside_the_snapshot_through_a_symbolic_link_was_not_refused(string output, string snapshot)
    {
        // --out LINK/out, LINK a link to the snapshot folder, wrote the outputs into the snapshot: the next run failed on them.
        using var dir = new TempFolder();
        var options = Sample(dir);
        File.CreateSymbolicLink(dir.Combine("link"), dir.Combine("snapshot"));
        options = options with { Output = dir.Combine(output), Snapshot = dir.Combine(snapshot) };
        var e = Assert.Throws<CurationException>(options.Validate);
        Assert.StartsWith("--out ", e.Message, StringComparison.Ordinal);
        if (!output.StartsWith(snapshot, StringComparison.Ordinal))
        {
            Assert.Contains("through a symbolic link", e.Message, StringComparison.Ordinal);
        }

        // A folder beside the snapshot, reached through a link to their parent, is no input's.
        File.CreateSymbolicLink(dir.Combine("parent"), dir.Path);
        (Sample(dir) with { Output = dir.Combine("parent/out") }).Validate();
    }

    [Theory]
    [InlineData("a-file", "--out {0} is a file: name a folder")]
    [InlineData("a-file/out", "--out {0}: {1} is a file, not a folder")]
    public void An_output_folder_that_is_a_file_or_below_one_is_refused_in_words(string output, string expected)
    {
        // Before: the file system's "The file … already exists" or "Could not find a part of the path …".
        using var dir = new TempFolder();
        dir.File("a-file", "x");
        var e = Assert.Throws<CurationException>((Sample(dir) with { Output = dir.Combine(output) }).Validate);
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, dir.Combine(output), dir.Combine("a-file")), e.Message, StringComparison.Ordinal);

        // A link that leads to no file yet is no file: the cluster's own checks (allowed locations) name it.
        File.CreateSymbolicLink(dir.Combine("dangling"), dir.Combine("elsewhere"));
        (Sample(dir) with { Output = dir.Combine("dangling/new") }).Validate();
        File.CreateSymbolicLink(dir.Combine("to-file"), dir.Combine("a-file"));
        Assert.Throws<CurationException>((Sample(dir) with { Output = dir.Combine("to-file/new") }).Validate);
    }

    private static CurationOptions Sample(TempFolder dir)
    {
        dir.File("snapshot/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        dir.File("metadata/en.json", "[\"dog\"]");
        return new CurationOptions
        {
            Snapshot = dir.Combine("snapshot"),
            Metadata = dir.Combine("metadata"),
            Output = dir.Combine("out"),
            P = 0.5,
            Columns = new SnapshotColumns { Lang = "lang" },
        };
    }
}
