using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// Every mistake on the command line is one plain line and exit 2: no stack trace, no .NET type name (these threw
/// <c>InvalidOperationException</c> from a validator, exit 134, or printed <c>Nullable`1[UInt64]</c>).
/// </summary>
public sealed class UsageErrorTests
{
    private static readonly string[] Job = ["--snapshot", "s", "--metadata", "m", "--out", "o"];

    public static TheoryData<string[], string> Cases() => new()
    {
        { ["curate", .. Job, "--threads", "abc"], "--threads: 'abc' is not a whole number" },
        { ["curate", .. Job, "--threads", "3000000000"], "--threads: 3000000000 is out of range" },
        { ["curate", .. Job, "--shard-rows", "abc"], "--shard-rows: 'abc' is not a whole number" },
        { ["submit", .. Job, "--shard-rows", "10"], "--shard-rows must be at least 1000, got 10" },
        { ["curate", .. Job, "--p", "abc"], "--p: 'abc' is not a number" },
        { ["submit", .. Job, "--p", "abc"], "--p: 'abc' is not a number" },
        { ["curate", .. Job, "--t-en", "abc"], "--t-en: 'abc' is not a whole number of 0 or more" },
        { ["curate", .. Job, "--seed", "-1"], "--seed: -1 is out of range (0 to 18446744073709551615)" },
        { ["curate", .. Job, "--p", "NaN"], "--p: 'NaN' is not a number" },
        { ["lid", "--k", "abc"], "--k: 'abc' is not a whole number" },
        { ["eval", "--checkpoint", "x", "--task", "foo"], "--task: 'foo' is not one of zeroshot, retrieval" },
        { ["eval", "--checkpoint", "x", "--task"], "--task needs a value" },
        { ["curate", "--snapshot", "s", "--metadata", "m", "--out", ""], "--out: the value is empty" },
        { ["train", "--job", "j", "--out", "r", "--steps", "1e3"], "--steps: '1e3' is not a whole number" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_value_is_a_one_line_usage_error(string[] args, string message)
    {
        var run = await CliRun.RunAsync(args);
        Assert.Equal(MetaClipCommandLine.UsageError, run.ExitCode);
        Assert.StartsWith("metaclip: error: " + message, run.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain("`", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }
}
