using System.Diagnostics;
using System.Text.Json;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// Who holds an output folder: the job that is writing it (docs/formats.md, "The output folder"). A job takes the
/// folder's claim before it writes anything there and gives it back when it ends, so two jobs never write one folder.
/// <see cref="Owner"/> says how to tell whether the holder still lives: <c>process HOST PID START</c> for a
/// single-process run (START is <c>boot:TICKS</c> where the kernel gives a start in ticks since boot, else the start time's ticks), <c>cluster SERVICE</c> for a job of a cluster (ask the cluster).
/// </summary>
public sealed record OutputClaim(string Job, string Owner, DateTimeOffset Since)
{
    /// <summary>The claim's file in the output folder.</summary>
    public const string FileName = ".metaclip-claim.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>A claim of this process.</summary>
    public static OutputClaim ForThisProcess(string job)
    {
        // Where the kernel says when a process started (Linux: clock ticks since boot, the same at every reading and
        // whatever the wall clock does): "boot:TICKS". Elsewhere the start time's ticks.
        if (BootTicksOf(Environment.ProcessId) is { } boot)
        {
            return new OutputClaim(job, $"process {Environment.MachineName} {Environment.ProcessId} {BootPrefix}{boot}", DateTimeOffset.UtcNow);
        }

        using var self = Process.GetCurrentProcess();
        return new OutputClaim(job, $"process {Environment.MachineName} {Environment.ProcessId} {self.StartTime.ToUniversalTime().Ticks}", DateTimeOffset.UtcNow);
    }

    private const string BootPrefix = "boot:";

    /// <summary>
    /// A process's start in clock ticks since boot (<c>/proc/PID/stat</c>, field 22), or null where there is no such file
    /// (another OS, or no such process).
    /// </summary>
    internal static long? BootTicksOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "PID (COMMAND) STATE PPID …": the command may hold spaces and parentheses, so fields are counted after its last ')'.
        int end = stat.LastIndexOf(')');
        string[] fields = end < 0 ? [] : stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 && long.TryParse(fields[19], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long ticks) ? ticks : null;
    }

    /// <summary>A claim of a job of the cluster with this service id.</summary>
    public static OutputClaim ForCluster(string job, string serviceId) => new(job, $"cluster {serviceId}", DateTimeOffset.UtcNow);

    /// <summary>The cluster's service id, for a cluster's claim.</summary>
    public string? ClusterServiceId => Owner.StartsWith("cluster ", StringComparison.Ordinal) ? Owner["cluster ".Length..] : null;

    /// <summary>
    /// True when the claim is a process's on this machine and that process is gone (a killed run): then nothing
    /// writes the folder any more. A process on another machine cannot be checked: false.
    /// </summary>
    public bool IsDeadProcessHere()
    {
        var parts = Owner.Split(' ');
        if (parts.Length != 4 || parts[0] != "process" || parts[1] != Environment.MachineName || !int.TryParse(parts[2], out int pid))
        {
            return false;
        }

        if (parts[3].StartsWith(BootPrefix, StringComparison.Ordinal))
        {
            // No process of that id, or another one (a later start): the holder is gone.
            return long.TryParse(parts[3][BootPrefix.Length..], out long boot) && BootTicksOf(pid) != boot;
        }

        if (!long.TryParse(parts[3], out long ticks))
        {
            return false;
        }

        try
        {
            // Linux gives a process's start time as boot time plus its start in clock ticks, and works out the boot time
            // anew at each reading: two readings of one process differ by milliseconds. Another process given the same
            // id starts later than a second after it.
            using var process = Process.GetProcessById(pid);
            return Math.Abs(process.StartTime.ToUniversalTime().Ticks - ticks) > TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>
    /// Takes the claim of <paramref name="output"/> for this claim's job. A claim already there that
    /// <paramref name="isStale"/> says is over (its holder is gone) is replaced; one of this same job is kept.
    /// </summary>
    /// <exception cref="CurationException">Another job holds the folder; the message names it.</exception>
    public async Task TakeAsync(DataStore store, string output, Func<OutputClaim, Task<bool>> isStale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(isStale);
        string location = DataStore.Combine(output, FileName);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (await store.TryCreateAsync(location, JsonSerializer.SerializeToUtf8Bytes(this, Json), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var held = await ReadAsync(store, output, cancellationToken).ConfigureAwait(false);
            if (held is null)
            {
                continue; // released meanwhile
            }

            if (string.Equals(held.Job, Job, StringComparison.Ordinal))
            {
                return;
            }

            if (!await isStale(held).ConfigureAwait(false))
            {
                throw new CurationException(
                    $"output {output} is in use by job {held.Job} (since {held.Since:u}, {held.Owner}): wait for it to end, cancel it, or choose another --out");
            }

            await store.DeleteAsync(location, cancellationToken).ConfigureAwait(false);
        }

        throw new CurationException($"output {output}: its claim file {FileName} keeps changing; another job is starting there");
    }

    /// <summary>Gives the claim back, if this job still holds it.</summary>
    public static async Task ReleaseAsync(DataStore store, string output, string job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var held = await ReadAsync(store, output, cancellationToken).ConfigureAwait(false);
        if (held is not null && string.Equals(held.Job, job, StringComparison.Ordinal))
        {
            await store.DeleteAsync(DataStore.Combine(output, FileName), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The claim of <paramref name="output"/>, or null when nobody holds it.</summary>
    public static async Task<OutputClaim?> ReadAsync(DataStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        string location = DataStore.Combine(output, FileName);
        if (await store.KindAsync(location, cancellationToken).ConfigureAwait(false) != StoredKind.File)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CurationException or FileNotFoundException)
        {
            // Released between the look and the read: nobody holds it.
            if (await store.KindAsync(location, cancellationToken).ConfigureAwait(false) == StoredKind.Missing)
            {
                return null;
            }

            throw;
        }

        try
        {
            return JsonSerializer.Deserialize<OutputClaim>(bytes, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CurationException($"output {output}: its claim file {FileName} is not a claim ({e.Message}); delete it if no job writes there");
        }
    }
}
