using System.Diagnostics;
using System.Globalization;
using System.Text;
using MetaClip.Engine;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;

namespace MetaClip.Client.Cluster;

/// <summary>Runs a curation job on a cluster and follows it to the end, reporting progress as it goes.</summary>
internal static class ClusterCuration
{
    /// <summary>How long a follower keeps asking while the cluster recovers (a silo lost, the coordinator moving).</summary>
    private static readonly TimeSpan RecoveryPatience = TimeSpan.FromMinutes(3);

    /// <summary>Follows a job until it ends, reporting progress; a failed job throws with its error.</summary>
    /// <remarks><paramref name="shown"/>: the phase the caller has shown already (its phases from there on are all shown).</remarks>
    public static async Task<CurationJobStatus> FollowAsync(ICurationJobGrain job, IProgress<CurationProgress>? progress, CancellationToken cancellationToken,
        CurationPhase? shown = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var rates = new RateTracker { Shown = shown };
        var last = new CurationProgress(CurationPhase.Planning, 0, 0, 0);
        void Waiting(string why) => progress?.Report(last with { Detail = "waiting for the cluster to recover: " + why });
        var status = await GetStatusAsync(job, Waiting, cancellationToken).ConfigureAwait(false);
        while (status.Phase is not (CurationJobPhase.Done or CurationJobPhase.Failed or CurationJobPhase.Cancelled or CurationJobPhase.NotStarted))
        {
            last = Report(progress, status, rates);
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            status = await GetStatusAsync(job, Waiting, cancellationToken).ConfigureAwait(false);
        }

        if (status.Phase == CurationJobPhase.Done)
        {
            Report(progress, status, rates);
        }

        return status.Phase switch
        {
            CurationJobPhase.Failed => throw new CurationException(status.Error ?? "the job failed"),
            CurationJobPhase.NotStarted => throw new CurationException($"no job {job.GetPrimaryKeyString()} on this cluster"),
            _ => status,
        };
    }

    public static async Task<CurationResult> RunAsync(IClusterClient client, DataStore store, CurationOptions options, IProgress<CurationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var job = client.GetGrain<ICurationJobGrain>("curate-" + Guid.NewGuid().ToString("N"));
        progress?.Report(new CurationProgress(CurationPhase.Planning, 0, 0, 0));
        await job.Start(options).ConfigureAwait(false);

        try
        {
            await FollowAsync(job, progress, cancellationToken, shown: CurationPhase.Planning).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stop the job too, so that it publishes nothing and removes its intermediates.
            await job.Cancel().ConfigureAwait(false);
            throw;
        }
        catch (CurationException)
        {
            // An embedded job cannot be retried once this process ends: discard what it kept for a retry.
            await job.Cancel().ConfigureAwait(false);
            throw;
        }

        string folder = DataStore.Normalize(options.Output);
        return new CurationResult(folder, await ReportWriter.ReadAsync(store, folder, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// A status call that rides out a cluster's recovery: while a silo is being declared dead, or the
    /// coordinator is being activated elsewhere, calls can fail or time out; they are repeated for a while.
    /// </summary>
    public static async Task<CurationJobStatus> GetStatusAsync(ICurationJobGrain job, Action<string>? waiting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var patience = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await job.GetStatus().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (CurationException or OperationCanceledException) && patience.Elapsed < RecoveryPatience)
            {
                waiting?.Invoke(FirstLine(e.Message));
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static CurationProgress Report(IProgress<CurationProgress>? progress, CurationJobStatus status, RateTracker rates)
    {
        var (phase, done, total) = status.Phase switch
        {
            CurationJobPhase.Matching => (CurationPhase.Matching, status.ShardsMatched, status.Shards),
            CurationJobPhase.Thresholds => (CurationPhase.Thresholds, status.Shards, status.Shards),
            CurationJobPhase.Sampling => (CurationPhase.Sampling, status.ShardsSampled, status.Shards),
            CurationJobPhase.Publishing => (CurationPhase.Writing, status.Shards, status.Shards),
            CurationJobPhase.Done => (CurationPhase.Done, status.Shards, status.Shards),
            _ => (CurationPhase.Planning, status.FilesPlanned, status.Files), // planning goes file by file
        };
        // A phase that passed between two polls (a small job plans, matches and samples in a moment) is still shown,
        // as done: the progress says every step the job went through.
        for (var passed = (rates.Shown ?? phase) + 1; passed < phase; passed++)
        {
            progress?.Report(new CurationProgress(passed, status.Shards, status.Shards, status.Texts));
        }

        rates.Shown = phase;
        var value = new CurationProgress(phase, done, total, status.Texts) { Detail = rates.Describe(status) };
        progress?.Report(value);
        return value;
    }

    /// <summary>Texts per second, the ETA of the phase and the biggest languages' tallies, as one line.</summary>
    private sealed class RateTracker
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private CurationJobPhase _phase;
        private long _textsAtPhaseStart;
        private TimeSpan _phaseStart;
        private int _resumes;

        /// <summary>The last phase reported (null before the first).</summary>
        public CurationPhase? Shown { get; set; }

        public string? Describe(CurationJobStatus status)
        {
            // A resumed job (its coordinator lost and activated again) starts its rate afresh: the downtime is not counted.
            if (status.Phase != _phase || status.Resumes != _resumes)
            {
                _resumes = status.Resumes;
                _phase = status.Phase;
                _textsAtPhaseStart = status.Texts;
                _phaseStart = _clock.Elapsed;
            }

            if (status.Phase is not (CurationJobPhase.Matching or CurationJobPhase.Sampling))
            {
                return null;
            }

            var inv = CultureInfo.InvariantCulture;
            var line = new StringBuilder();
            double seen = (_clock.Elapsed - _phaseStart).TotalSeconds;
            if (status.Phase == CurationJobPhase.Matching && seen > 0.5 && status.Texts > _textsAtPhaseStart)
            {
                line.Append(inv, $"{(status.Texts - _textsAtPhaseStart) / seen:N0} texts/s");
            }

            int done = status.Phase == CurationJobPhase.Matching ? status.ShardsMatched : status.ShardsSampled;
            if (status.PhaseShardsThisRun > 0 && status.PhaseSeconds > 0 && done < status.Shards)
            {
                double eta = (status.Shards - done) * status.PhaseSeconds / status.PhaseShardsThisRun;
                line.Append(line.Length > 0 ? ", " : string.Empty).Append(inv, $"ETA {TimeSpan.FromSeconds(Math.Ceiling(eta)):g}");
            }

            var top = status.Languages.OrderByDescending(l => l.Texts).ThenBy(l => l.Language, StringComparer.Ordinal).Take(5).ToList();
            if (top.Count > 0)
            {
                line.Append(line.Length > 0 ? "; " : string.Empty).AppendJoin(", ", top.Select(l => status.Phase == CurationJobPhase.Matching
                    ? string.Create(inv, $"{l.Language} {l.MatchedTexts:N0}/{l.Texts:N0} matched")
                    : string.Create(inv, $"{l.Language} {l.ImagesKept:N0}/{l.ImagesDecided:N0} kept")));
                if (status.Languages.Length > top.Count)
                {
                    line.Append(inv, $", +{status.Languages.Length - top.Count} languages");
                }
            }

            if (status.Resumes > 0 || status.ShardRetries > 0)
            {
                line.Append(inv, $" (resumed {status.Resumes}×, {status.ShardRetries} shard runs repeated)");
            }

            return line.Length == 0 ? null : line.ToString();
        }
    }
}
