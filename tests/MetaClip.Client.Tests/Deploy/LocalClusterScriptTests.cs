using System.Diagnostics;
using System.Globalization;
using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Deploy;

/// <summary>
/// <c>silo/run-local-cluster.sh</c> as a user runs it: on ports of its own (it had fixed ones, so two users on one
/// machine shared a cluster), the gateways written where the client finds them, and a TERM that stops everything it
/// started (it left its <c>sleep</c> child behind).
/// </summary>
public sealed class LocalClusterScriptTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task The_local_cluster_runs_on_free_ports_writes_its_gateways_and_stops_on_term_leaving_no_process()
    {
        Skip.IfNot(File.Exists(Repository.Path(".tools", "azurite", "node_modules", ".bin", "azurite")), "Azurite is not installed (./test.sh installs it)");
        var start = new ProcessStartInfo("bash", [Repository.Path("silo", "run-local-cluster.sh"), "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["METACLIP_PORTS"] = "free";
        start.Environment["METACLIP_LOCAL_CLUSTER_DIR"] = _dir.Combine("cluster");
        start.Environment["METACLIP_LID_MODEL"] = LidModelFile.Require();
        using var script = Process.Start(start)!;
        var lines = new List<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        script.OutputDataReceived += (_, e) =>
        {
            lock (lines)
            {
                lines.Add(e.Data ?? string.Empty);
            }

            if (e.Data?.StartsWith("cluster ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        script.ErrorDataReceived += (_, e) =>
        {
            lock (lines)
            {
                lines.Add(e.Data ?? string.Empty);
            }
        };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        try
        {
            await Task.WhenAny(ready.Task, script.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(4)));
            Assert.True(ready.Task.IsCompleted, "the cluster did not come up:\n" + Printed(lines));

            string gateways = (await File.ReadAllTextAsync(_dir.Combine("cluster", "gateways"))).Trim();
            Assert.Matches(@"^127\.0\.0\.1:\d+$", gateways);
            var status = await CliRun.RunAsync("status", "no-such-job", "--cluster", gateways);
            Assert.True(status.ExitCode == MetaClipCommandLine.InputError, status.Error);
            Assert.Contains("no job no-such-job on this cluster", status.Error, StringComparison.Ordinal);

            var children = Descendants(script.Id);
            Assert.NotEmpty(children);
            using (var term = Process.Start("kill", ["-TERM", script.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await script.WaitForExitAsync(timeout.Token);
            await Task.Delay(500);
            var left = children.Where(IsAlive).ToList();
            Assert.True(left.Count == 0, "left running: " + string.Join(", ", left.Select(Describe)) + "\n" + Printed(lines));
            Assert.False(File.Exists(_dir.Combine("cluster", "gateways")), "a stopped cluster's gateways are removed");
        }
        finally
        {
            if (!script.HasExited)
            {
                script.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Printed(List<string> lines)
    {
        lock (lines)
        {
            return string.Join('\n', lines);
        }
    }

    /// <summary>Every process below <paramref name="root"/> now (children, their children, …).</summary>
    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out int pid) && TryParent(pid) is int parent)
            {
                parents[pid] = parent;
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            int next = queue.Dequeue();
            foreach (var (pid, parent) in parents)
            {
                if (parent == next)
                {
                    found.Add(pid);
                    queue.Enqueue(pid);
                }
            }
        }

        return found;
    }

    private static int? TryParent(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Describe(int pid)
    {
        try
        {
            return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})";
        }
        catch (IOException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }
}
