using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>
/// A job publishes only counts it has verified (docs/architecture.md, "Verified before publishing"): before the
/// thresholds, every language partition must hold exactly the shards that matched something in its language, and
/// its counts must add up to the sum of those shards' own totals. A partition that comes back short (its state lost
/// or rolled back) is not taken as zeros: the missing shards are counted again and the check repeats. Counts that
/// still disagree, or that hold more than was planned, fail the job with a message that says so — never a
/// publish of other numbers. After pass 2, every shard must have decided exactly the images it matched.
/// </summary>
public static class CountVerification
{
    /// <summary>How many times missing shards are counted again before the job fails.</summary>
    public const int Rounds = 3;

    /// <summary>
    /// The global counts of every language with a list, verified against <paramref name="matched"/> (the pass-1 results
    /// of the job's shards). <paramref name="recount"/> runs pass 1 again for the shard indexes it is given. A partition
    /// that cannot be reached because its silo was lost (or has not answered in time) is asked again, for as long as a
    /// shard would be run again (<see cref="ShardDispatcher.ClusterRecoveryBudget"/>), and <paramref name="retrying"/>
    /// hears of each failure: once membership declares the silo dead, the partition is activated elsewhere from its
    /// persisted state, and whatever that state lacks is counted again below.
    /// </summary>
    public static async Task<Dictionary<string, EntryCounts>> GatherVerifiedAsync(IGrainFactory grains, string jobId, MetadataSet metadata,
        IReadOnlyList<ShardMatchSummary> matched, Func<IReadOnlyCollection<int>, Task> recount, IReadOnlyDictionary<int, string> shardIds,
        Action<string, Exception>? retrying = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(matched);
        ArgumentNullException.ThrowIfNull(recount);
        ArgumentNullException.ThrowIfNull(shardIds);
        // What each language's partition must hold, from the shards' own summaries (one pass over them).
        var expectedByLanguage = Expected(matched, shardIds);
        for (int round = 0; ; round++)
        {
            var counts = new Dictionary<string, EntryCounts>(StringComparer.Ordinal);
            var missing = new SortedSet<int>();
            var problems = new List<string>();
            foreach (string language in metadata.Languages)
            {
                metadata.TryGetList(language, out var list);
                var global = await GetCountsAsync(grains.GetGrain<ILanguagePartitionGrain>(JobWorkFolder.PartitionKey(jobId, language)), language, retrying,
                    cancellationToken);
                var expected = expectedByLanguage.GetValueOrDefault(language) ?? [];
                var check = Check(language, list.Count, global, expected);
                missing.UnionWith(check.Missing);
                if (check.Problem is not null)
                {
                    problems.Add(check.Problem);
                }

                counts[language] = new EntryCounts(language, global.Counts.Length == list.Count ? [.. global.Counts] : new ulong[list.Count]);
            }

            if (problems.Count > 0)
            {
                throw new InvalidOperationException(
                    $"the job's counts are inconsistent and nothing was published: {string.Join("; ", problems)}. Its state storage lost or changed " +
                    "acknowledged writes; cancel it and submit it again");
            }

            if (missing.Count == 0)
            {
                return counts;
            }

            if (round == Rounds)
            {
                throw new InvalidOperationException(
                    $"the job's counts are incomplete after {Rounds} recounts ({missing.Count} shards still missing from a language partition) and nothing was published: " +
                    "its state storage keeps losing acknowledged writes; check the storage, then retry the job");
            }

            await recount(missing);
        }
    }

    private static async Task<LanguageCounts> GetCountsAsync(ILanguagePartitionGrain partition, string language, Action<string, Exception>? retrying,
        CancellationToken cancellationToken)
    {
        System.Diagnostics.Stopwatch? recovering = null;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await partition.GetCounts();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException &&
                (recovering ??= System.Diagnostics.Stopwatch.StartNew()).Elapsed < ShardDispatcher.ClusterRecoveryBudget)
            {
                retrying?.Invoke(language, e);
                await Task.Delay(ShardDispatcher.RetryDelay(attempt), cancellationToken);
            }
        }
    }

    /// <summary>Per language, per shard that matched something there: the shard's id, index and how many matches it added.</summary>
    public static Dictionary<string, Dictionary<string, (int Index, long Matches)>> Expected(IReadOnlyList<ShardMatchSummary> matched, IReadOnlyDictionary<int, string> shardIds)
    {
        ArgumentNullException.ThrowIfNull(matched);
        ArgumentNullException.ThrowIfNull(shardIds);
        var expected = new Dictionary<string, Dictionary<string, (int, long)>>(StringComparer.Ordinal);
        foreach (var summary in matched)
        {
            foreach (var figures in summary.Languages.Where(f => f.MatchedTexts > 0))
            {
                if (!expected.TryGetValue(figures.Language, out var shards))
                {
                    expected[figures.Language] = shards = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
                }

                shards[shardIds[summary.Index]] = (summary.Index, figures.Matches);
            }
        }

        return expected;
    }

    /// <summary>The outcome of checking one partition: shards to count again, or a problem no recount can fix.</summary>
    public sealed record PartitionCheck(IReadOnlyList<int> Missing, string? Problem);

    /// <summary>Checks one partition's counts against what its shards say they added.</summary>
    public static PartitionCheck Check(string language, int listLength, LanguageCounts global, IReadOnlyDictionary<string, (int Index, long Matches)> expected)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(expected);
        if (global.AppliedShardIds is null)
        {
            return new PartitionCheck([], null);
        }

        var applied = new HashSet<string>(global.AppliedShardIds, StringComparer.Ordinal);
        var missing = expected.Where(e => !applied.Contains(e.Key)).Select(e => e.Value.Index).ToList();
        var unplanned = applied.Where(id => !expected.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        if (unplanned.Count > 0)
        {
            return new PartitionCheck(missing, $"language '{language}' holds counts of {unplanned.Count} shards that matched nothing there (e.g. {unplanned[0]})");
        }

        if (global.Counts.Length != 0 && global.Counts.Length != listLength)
        {
            return new PartitionCheck(missing, $"language '{language}' has {global.Counts.Length} counts for a list of {listLength} entries");
        }

        if (missing.Count > 0)
        {
            return new PartitionCheck(missing, null);
        }

        // Every planned shard is there: the counts must add up to exactly their totals (where the shards reported them).
        if (expected.Values.All(e => e.Matches > 0))
        {
            ulong total = 0;
            foreach (ulong c in global.Counts)
            {
                total += c;
            }

            ulong want = (ulong)expected.Values.Sum(e => e.Matches);
            if (total != want)
            {
                return new PartitionCheck([], $"language '{language}' counts {total} matches where its {expected.Count} shards added {want}");
            }
        }

        return new PartitionCheck([], null);
    }

    /// <summary>After pass 2: each shard decided exactly the images it matched (where pass 1 reported how many).</summary>
    public static void VerifyDecisions(IReadOnlyList<ShardMatchSummary> matched, IReadOnlyList<ShardSampleSummary> sampled, IReadOnlyList<ShardTask> shards)
    {
        ArgumentNullException.ThrowIfNull(matched);
        ArgumentNullException.ThrowIfNull(sampled);
        ArgumentNullException.ThrowIfNull(shards);
        for (int i = 0; i < matched.Count; i++)
        {
            long decided = sampled[i].Languages.Sum(l => l.ImagesDecided);
            if (matched[i].MatchedImages >= 0 && decided != matched[i].MatchedImages)
            {
                throw new InvalidOperationException(
                    $"shard {shards[i].ShardId} decided {decided} images but matched {matched[i].MatchedImages}; nothing was published. Retry the job");
            }
        }
    }
}
