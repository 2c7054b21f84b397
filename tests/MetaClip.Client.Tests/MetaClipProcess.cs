using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MetaClip.Client.Tests;

/// <summary>
/// The <c>metaclip</c> executable run as a separate process, as a user's shell runs it: its own standard output and
/// error (where loggers write too), its exit code, and Ctrl+C (SIGINT) sent to it when asked.
/// </summary>
internal sealed record MetaClipProcess(int ExitCode, string Output, string Error)
{
    /// <summary>
    /// Runs <c>metaclip</c> with <paramref name="args"/>; with <paramref name="interruptAfter"/>, sends it SIGINT that long
    /// after its first line of output (before that, the runtime may not listen for the signal yet).
    /// </summary>
    public static async Task<MetaClipProcess> RunAsync(string[] args, TimeSpan? interruptAfter = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "metaclip.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CI"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var error = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            started.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (interruptAfter is TimeSpan delay)
        {
            await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
            await Task.Delay(delay);
            if (!process.HasExited)
            {
                using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit();
        lock (output)
        {
            lock (error)
            {
                return new MetaClipProcess(process.ExitCode, output.ToString(), error.ToString());
            }
        }
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.Append(line).Append('\n');
            }
        }
    }
}
