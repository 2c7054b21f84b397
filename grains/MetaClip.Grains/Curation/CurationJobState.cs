using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>
/// The persisted state of a curation job: what it curates, its shard plan and which shards finished each
/// pass. It is the unit of resume: a new activation of the coordinator re-runs only the shards missing here.
/// Fields are only added, with new ids, so a silo of the next version reads the state of a running job.
/// </summary>
[GenerateSerializer, Alias("MetaClip.CurationJobState.v1")]
public sealed class CurationJobState
{
    /// <summary>The job's <see cref="MetaClip.Engine.Pipeline.CurationOptions"/>, in the form earlier versions persisted.</summary>
    [Id(0)]
    public CurationOptionsSurrogate? Spec { get; set; }

    [Id(1)]
    public CurationJobPhase Phase { get; set; }

    [Id(2)]
    public DateTimeOffset SubmittedAt { get; set; }

    /// <summary>Where the job's intermediates live (inside the output location).</summary>
    [Id(3)]
    public string WorkFolder { get; set; } = string.Empty;

    [Id(4)]
    public List<ShardPlan> Shards { get; set; } = [];

    /// <summary>Pass 1 results by shard index: the shard's counts were applied before it was recorded here.</summary>
    [Id(5)]
    public Dictionary<int, ShardMatchSummary> Matched { get; set; } = [];

    /// <summary>Pass 2 results by shard index: the shard's output parts were written before it was recorded here.</summary>
    [Id(6)]
    public Dictionary<int, ShardSampleSummary> Sampled { get; set; } = [];

    /// <summary>Shards left out because their input could not be read (<c>--skip-bad-files</c>).</summary>
    [Id(7)]
    public List<int> SkippedShards { get; set; } = [];

    /// <summary>What was left out and why, for the report.</summary>
    [Id(8)]
    public List<string> SkippedFiles { get; set; } = [];

    [Id(9)]
    public string? Error { get; set; }

    /// <summary>The phase a failed job failed in (where <c>Retry</c> resumes it).</summary>
    [Id(10)]
    public CurationJobPhase FailedPhase { get; set; }

    /// <summary>Seconds spent per step, summed over the coordinator's runs (the report's timings).</summary>
    [Id(11)]
    public Dictionary<string, double> Timings { get; set; } = [];

    [Id(12)]
    public int Resumes { get; set; }

    [Id(13)]
    public int ShardRetries { get; set; }

    [Id(14)]
    public int ShardHandBacks { get; set; }

    /// <summary>Shards counted again because a language partition had lost their counts (<see cref="CountVerification"/>).</summary>
    [Id(15)]
    public int Recounts { get; set; }

    /// <summary>Shards started by some coordinator of this job (<c>match/INDEX</c>, <c>sample/INDEX</c>), as far as checkpointed.</summary>
    [Id(16)]
    public HashSet<string> Started { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Who submitted the job (<see cref="JobPrincipal"/>); null for a job submitted before principals were recorded.</summary>
    [Id(17)]
    public string? SubmittedBy { get; set; }

    /// <summary>When the job ended (done, failed or cancelled).</summary>
    [Id(18)]
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The snapshot's files, in order (<see cref="ShardPlan.RowGroup"/> -1): what the planning phase splits into <see cref="Shards"/>.</summary>
    [Id(19)]
    public List<ShardPlan> Files { get; set; } = [];

    /// <summary>Planning results by file index (a file left out by <c>--skip-bad-files</c> has none); cleared once <see cref="Shards"/> is set.</summary>
    [Id(20)]
    public Dictionary<int, List<ShardPlan>> Planned { get; set; } = [];

    /// <summary>
    /// Shards whose pass-2 result was discarded because a part it wrote was lost, and that are being decided again (a
    /// shard leaves the set when its new result is recorded): a stored state's result of theirs is the discarded one,
    /// and is not merged back (<see cref="MergedWith"/>).
    /// </summary>
    [Id(21)]
    public HashSet<int> DecidedAgain { get; set; } = [];

    /// <summary>
    /// This state (the live coordinator's) with what <paramref name="stored"/> adds: shard results either side has
    /// (a shard's result is the same whichever run made it, except a pass-2 result discarded since, see
    /// <see cref="DecidedAgain"/>), skipped files, and the larger counters. The phase, spec and plan stay this state's.
    /// </summary>
    public CurationJobState MergedWith(CurationJobState stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Spec is not null && Spec is not null && !Equals(stored.Spec, Spec) || stored.Shards.Count != 0 && stored.Shards.Count != Shards.Count)
        {
            // Another job's state under this id: keep this one whole.
            return this;
        }

        foreach (var (index, units) in stored.Planned.Where(_ => Phase == CurationJobPhase.Planning))
        {
            Planned.TryAdd(index, units);
        }

        foreach (var (index, summary) in stored.Matched)
        {
            Matched.TryAdd(index, summary);
        }

        // A shard the stored state was deciding again, whose new result this state already holds, is done.
        DecidedAgain.UnionWith(stored.DecidedAgain.Where(index => !Sampled.ContainsKey(index)));
        foreach (var (index, summary) in stored.Sampled.Where(s => !DecidedAgain.Contains(s.Key)))
        {
            Sampled.TryAdd(index, summary);
        }

        foreach (string file in stored.SkippedFiles.Where(f => !SkippedFiles.Contains(f)))
        {
            SkippedFiles.Add(file);
        }

        Resumes = Math.Max(Resumes, stored.Resumes);
        ShardRetries = Math.Max(ShardRetries, stored.ShardRetries);
        ShardHandBacks = Math.Max(ShardHandBacks, stored.ShardHandBacks);
        Recounts = Math.Max(Recounts, stored.Recounts);
        // A shard being decided again was taken out of Started (it is not a retry): the stored mark is not brought back.
        var decidingAgain = DecidedAgain.Select(index => $"sample/{index}").ToHashSet(StringComparer.Ordinal);
        Started.UnionWith(stored.Started.Where(mark => !decidingAgain.Contains(mark)));
        SubmittedBy ??= stored.SubmittedBy;
        return this;
    }
}
