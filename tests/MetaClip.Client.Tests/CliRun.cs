using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests;

/// <summary>Runs the <c>metaclip</c> command line in-process, exactly as the executable does.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await MetaClipCommandLine.RunAsync(args, output, error, interactive: false, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The error output is one line.</summary>
    public string ErrorLine
    {
        get
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            return lines[0];
        }
    }
}
