using System.Collections.Concurrent;
using System.Globalization;
using MetaClip.Dashboard.Views;
using MetaClip.GrainInterfaces;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MetaClip.Dashboard;

/// <summary>
/// What the pages show, read from the cluster: the job registry and the jobs' grains, the management grain (silos, their
/// statistics, and the activations of shard workers and language partitions: which shard runs where), and the silos'
/// metadata when the silo keeps it (their HTTP URLs, <see cref="SiloHttpUrl.MetadataKey"/>).
/// </summary>
public sealed partial class DashboardData(IGrainFactory grains, ILocalSiloDetails localSilo, ISiloMetadataCache? metadata = null, ILogger<DashboardData>? logger = null)
{
    /// <summary>The prefix of a training job's id (as <c>metaclip train --submit</c> names them).</summary>
    public const string TrainingPrefix = "train-";

    private const int LossPoints = 500;

    private readonly ConcurrentDictionary<string, List<double[]>> _losses = new(StringComparer.Ordinal);

    /// <summary>Every job the cluster knows, newest first.</summary>
    public async Task<IReadOnlyList<JobRow>> JobsAsync()
    {
        // An entry whose id is no job id (a job grain refuses such a key) is not a job to show.
        var entries = (await grains.GetGrain<IJobRegistryGrain>(0).List()).Where(e => JobIds.IsValid(e.Id));
        var rows = await Task.WhenAll(entries.Select(async entry => await RowAsync(entry)));
        return [.. rows.OrderByDescending(r => r.SubmittedAt)];
    }

    /// <summary>A job's page, or null when the cluster has no job of this id.</summary>
    public async Task<JobPage?> JobAsync(string id, JobQuery query)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!JobIds.IsValid(id))
        {
            return null;
        }

        var entry = (await grains.GetGrain<IJobRegistryGrain>(0).List()).FirstOrDefault(e => e.Id == id);
        if (id.StartsWith(TrainingPrefix, StringComparison.Ordinal))
        {
            var training = await grains.GetGrain<ITrainingJobGrain>(id).GetStatus();
            return training.Steps == 0 && entry is null ? null : JobView.Build(id, training, entry, Loss(id, training));
        }

        var status = await grains.GetGrain<ICurationJobGrain>(id).GetStatus();
        if (status.Phase == CurationJobPhase.NotStarted && entry is null)
        {
            return null;
        }

        var running = await RunningShardsAsync(id);
        return JobView.Build(id, status, entry, running, query);
    }

    /// <summary>Cancels a job; false when the cluster has no job of this id.</summary>
    public async Task<bool> CancelAsync(string id)
    {
        if (await JobAsync(id, new JobQuery()) is null)
        {
            return false;
        }

        // The page's actions need the HTTP operator role (checked before this call): they act as an operator.
        using var asOperator = JobPrincipal.Use(JobPrincipal.HttpOperator);
        if (id.StartsWith(TrainingPrefix, StringComparison.Ordinal))
        {
            await grains.GetGrain<ITrainingJobGrain>(id).Cancel();
        }
        else
        {
            await grains.GetGrain<ICurationJobGrain>(id).Cancel();
        }

        return true;
    }

    /// <summary>Runs a failed curation job again; false when the cluster has no such job.</summary>
    public async Task<bool> RetryAsync(string id, bool skipBadFiles)
    {
        if (id.StartsWith(TrainingPrefix, StringComparison.Ordinal) || await JobAsync(id, new JobQuery()) is null)
        {
            return false;
        }

        using var asOperator = JobPrincipal.Use(JobPrincipal.HttpOperator);
        await grains.GetGrain<ICurationJobGrain>(id).Retry(skipBadFiles);
        return true;
    }

    /// <summary>The silos: the active ones and those that left, with what each runs.</summary>
    public async Task<IReadOnlyList<SiloRow>> SilosAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var statistics = active.Length == 0 ? [] : await management.GetRuntimeStatistics(active);
        var activations = active.Length == 0 ? [] : await management.GetDetailedGrainStatistics(hostsIds: active);
        var rows = new List<SiloRow>();
        foreach (var host in hosts.OrderBy(h => h.Status == SiloStatus.Active ? 0 : 1).ThenBy(h => h.SiloName, StringComparer.Ordinal))
        {
            int index = Array.IndexOf(active, host.SiloAddress);
            var stats = index >= 0 && index < statistics.Length ? statistics[index] : null;
            var here = activations.Where(a => a.SiloAddress.Equals(host.SiloAddress)).ToList();
            var meta = host.Status == SiloStatus.Active ? metadata?.GetSiloMetadata(host.SiloAddress).Metadata : null;
            rows.Add(new SiloRow(host.SiloName, host.SiloAddress.ToString(), meta?.GetValueOrDefault(SiloHttpUrl.MetadataKey), host.Status.ToString(),
                meta?.Where(m => m.Key != SiloHttpUrl.MetadataKey).ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                here.Count(a => IsType(a, "shardworker")), stats?.EnvironmentStatistics.FilteredCpuUsagePercentage, stats?.EnvironmentStatistics.FilteredMemoryUsageBytes, stats?.EnvironmentStatistics.MaximumAvailableMemoryBytes,
                [.. here.Where(a => IsType(a, "languagepartition")).Select(a => a.GrainId.Key.ToString() ?? "").Order(StringComparer.Ordinal)],
                host.StartTime, host.SiloAddress.Equals(localSilo.SiloAddress)));
        }

        // Silos that left long ago fill the membership table: the last few are enough.
        return [.. rows.Where(r => r.Status == nameof(SiloStatus.Active)), .. rows.Where(r => r.Status != nameof(SiloStatus.Active)).OrderByDescending(r => r.StartedAt).Take(10)];
    }

    /// <summary>The HTTP URLs of the active silos (this one first): where a page goes when its silo is lost.</summary>
    public async Task<IReadOnlyList<string>> SiloUrlsAsync()
    {
        if (metadata is null)
        {
            return [];
        }

        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return [.. hosts.Keys.OrderBy(s => s.Equals(localSilo.SiloAddress) ? 0 : 1).ThenBy(s => s.ToString(), StringComparer.Ordinal)
            .Select(s => metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(SiloHttpUrl.MetadataKey)).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Whether <paramref name="origin"/> (a page's <c>Origin</c>) is one of the cluster's silos: the published URL of an
    /// active silo, or one a silo recorded in <see cref="ISiloUrlRegistryGrain"/> (a page whose silo died follows the job
    /// from another silo, and its origin is the dead silo's). Exactly those origins: a page on another port of a silo's
    /// host is another origin (the same site, so it would get the session cookie), refused.
    /// </summary>
    public async Task<bool> IsSiloOriginAsync(string origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        // An Origin header is scheme://host[:port], nothing else (it is echoed back when allowed).
        if (!SiloOrigin.TryOf(origin, out string? asked) || !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0
            || uri.PathAndQuery != "/" || uri.Fragment.Length > 0 || origin.EndsWith('/'))
        {
            return false;
        }

        bool Same(string url) => SiloOrigin.TryOf(url, out string? published) && published == asked;
        try
        {
            return (await SiloUrlsAsync()).Any(Same) || (await RecordedOriginsAsync()).Any(Same);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The request is answered all the same, without the CORS header: a page of another origin cannot read it.
            if (logger is not null)
            {
                LogRegistryFailed(logger, e, origin);
            }

            return false;
        }
    }

    /// <summary>The origins the silos recorded, asked of the registry at most every 10 seconds (pages poll the API).</summary>
    private async Task<string[]> RecordedOriginsAsync()
    {
        if (_recorded is { } recorded && Environment.TickCount64 - recorded.At < 10_000)
        {
            return recorded.Origins;
        }

        string[] origins = await grains.GetGrain<ISiloUrlRegistryGrain>(0).Origins();
        _recorded = new RecordedOrigins(origins, Environment.TickCount64);
        return origins;
    }

    /// <summary>One answer of the registry and when it came (one reference, so requests on other threads read it whole).</summary>
    private sealed record RecordedOrigins(string[] Origins, long At);

    private RecordedOrigins? _recorded;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the silos' dashboard origins: the request from {Origin} is answered without CORS")]
    private static partial void LogRegistryFailed(ILogger logger, Exception exception, string origin);

    /// <summary>The shards of a job in flight: the activations of its shard workers (<c>{job}/{index}/{pass}[/{run}]</c>) and their silos.</summary>
    public async Task<IReadOnlyList<RunningShard>> RunningShardsAsync(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: true);
        var names = hosts.ToDictionary(h => h.SiloAddress, h => h.SiloName);
        var activations = await management.GetDetailedGrainStatistics();
        var running = new List<RunningShard>();
        foreach (var activation in activations.Where(a => IsType(a, "shardworker")))
        {
            string key = activation.GrainId.Key.ToString() ?? "";
            if (key.StartsWith(id + "/", StringComparison.Ordinal) && key[(id.Length + 1)..].Split('/') is [var index, var pass, .. var rest]
                && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out int shard))
            {
                int run = rest is [var r] && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1;
                running.Add(new RunningShard(shard, pass, run, names.GetValueOrDefault(activation.SiloAddress) ?? activation.SiloAddress.ToString()));
            }
        }

        return running;
    }

    private static bool IsType(DetailedGrainStatistic activation, string type) =>
        string.Equals(activation.GrainId.Type.ToString(), type, StringComparison.OrdinalIgnoreCase);

    private async Task<JobRow> RowAsync(JobEntry entry)
    {
        if (entry.Id.StartsWith(TrainingPrefix, StringComparison.Ordinal))
        {
            var training = await grains.GetGrain<ITrainingJobGrain>(entry.Id).GetStatus();
            Loss(entry.Id, training);
            return JobView.Row(entry.Id, training, entry);
        }

        return JobView.Row(entry.Id, await grains.GetGrain<ICurationJobGrain>(entry.Id).GetStatus(), entry);
    }

    /// <summary>Records a training job's loss at its step (as this silo sees it) and returns the curve so far.</summary>
    private double[][] Loss(string id, TrainingJobStatus status)
    {
        var curve = _losses.GetOrAdd(id, _ => []);
        lock (curve)
        {
            if (status.Step > 0 && double.IsFinite(status.Loss) && (curve.Count == 0 || curve[^1][0] < status.Step))
            {
                curve.Add([status.Step, status.Loss]);
                if (curve.Count > LossPoints)
                {
                    // Keep every other point: the curve's shape over the whole run, in bounded memory.
                    var thinned = curve.Where((_, i) => i % 2 == 0 || i == curve.Count - 1).ToList();
                    curve.Clear();
                    curve.AddRange(thinned);
                }
            }

            return [.. curve];
        }
    }
}
