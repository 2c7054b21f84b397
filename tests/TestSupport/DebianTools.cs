using System.Diagnostics;

namespace MetaClip.TestSupport;

/// <summary>
/// Debian tools and libraries some tests compare with (python3, mecab, …). Absent on a user's machine: such a
/// test skips there, naming the package to install, but never in CI (<c>CI=true</c>; <c>.ci/run</c> installs them).
/// </summary>
internal static class DebianTools
{
    /// <summary>The full path of <paramref name="command"/> on PATH, or null.</summary>
    public static string? Find(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, command)).FirstOrDefault(File.Exists);

    /// <summary>Skips the calling test (fails it in CI) unless <paramref name="present"/>.</summary>
    public static void Require(bool present, string what, string packages)
    {
        if (present)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {what} is missing (apt-get install {packages}; .ci/run installs it)");
        }

        Skip.If(true, $"{what} is missing (apt-get install {packages} to run this test)");
    }

    /// <summary>Requires a command on PATH and returns its path.</summary>
    public static string RequireCommand(string command, string packages)
    {
        string? path = Find(command);
        Require(path is not null, command, packages);
        return path!;
    }

    /// <summary>Runs a tool; its standard output, or an exception with its standard error when it fails.</summary>
    public static string Run(string file, IEnumerable<string> arguments, string? input = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = input is null ? null : new System.Text.UTF8Encoding(false),
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed (exit {process.ExitCode}): {error.Result}");
        }

        return output;
    }
}
