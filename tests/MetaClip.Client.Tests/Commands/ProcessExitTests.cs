using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// The <c>metaclip</c> process as a shell sees it: Ctrl+C at any moment is exit 130 with one line (it was exit 70
/// with an Orleans stack trace on standard output during the embedded silo's start, and exit 134 with
/// <c>ObjectDisposedException</c>), and a failed job prints its one error line and no logger line.
/// </summary>
public sealed class ProcessExitTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int, bool> Interrupts() => new()
    {
        { 0, false }, { 300, false }, { 800, false }, { 1500, false },
        { 0, true }, { 200, true },
    };

    [Theory]
    [MemberData(nameof(Interrupts))]
    public async Task Ctrl_C_at_any_moment_is_exit_130_with_one_line(int milliseconds, bool engineOnly)
    {
        string[] args = ["curate", "--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"),
            "--lang-column", "lang", "--t-en", "20", "--out", _dir.Combine("out"), "--matcher-cache", "off", .. (engineOnly ? ["--engine-only"] : Array.Empty<string>())];
        var run = await MetaClipProcess.RunAsync(args, TimeSpan.FromMilliseconds(milliseconds));
        string all = run.Output + run.Error;
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
        if (run.ExitCode == MetaClipCommandLine.Success)
        {
            // It finished first.
            return;
        }

        Assert.True(run.ExitCode == MetaClipCommandLine.Cancelled, $"exit {run.ExitCode}\n{all}");
        Assert.Equal("metaclip: cancelled; no outputs were written\n", run.Error);
        Assert.False(Directory.Exists(_dir.Combine("out", "curated")), "nothing is published");
    }

    [Fact]
    public async Task A_failed_job_on_the_embedded_cluster_prints_one_error_line_and_no_logger_line()
    {
        string snapshot = _dir.Combine("snapshot");
        Directory.CreateDirectory(snapshot);
        File.Copy(Directory.GetFiles(Repository.Path("samples", "snapshot"))[0], Path.Combine(snapshot, "good" + Path.GetExtension(Directory.GetFiles(Repository.Path("samples", "snapshot"))[0])));
        // A whole footer (so the job is planned) over damaged pages: the shard fails inside the silo's grains.
        byte[] damaged = File.ReadAllBytes(Directory.GetFiles(Repository.Path("samples", "snapshot"))[1]);
        damaged.AsSpan(4, Math.Min(4096, damaged.Length / 2)).Fill(0xA5);
        File.WriteAllBytes(Path.Combine(snapshot, "bad.parquet"), damaged);
        var run = await MetaClipProcess.RunAsync(["curate", "--snapshot", snapshot, "--metadata", Repository.Path("samples", "metadata"),
            "--lang-column", "lang", "--t-en", "20", "--out", _dir.Combine("out"), "--matcher-cache", "off"]);
        Assert.True(run.ExitCode == MetaClipCommandLine.InputError, $"exit {run.ExitCode}\n{run.Output}{run.Error}");
        Assert.DoesNotContain("fail:", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("bad.parquet", run.Error, StringComparison.Ordinal);
    }
}
