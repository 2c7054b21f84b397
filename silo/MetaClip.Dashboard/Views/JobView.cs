using MetaClip.GrainInterfaces;

namespace MetaClip.Dashboard.Views;

/// <summary>Builds the job pages' figures from a job's status: a pure function of the status, the shards in flight and the query.</summary>
public static class JobView
{
    /// <summary>The kind of a curation job.</summary>
    public const string Curation = "curation";

    /// <summary>The kind of a training job.</summary>
    public const string Training = "training";

    private static readonly string[] PhaseNames = ["plan", "match and count", "thresholds", "sample", "publish"];

    /// <summary>A curation job's row in the jobs list.</summary>
    public static JobRow Row(string id, CurationJobStatus status, JobEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(status);
        string progress = status.Phase switch
        {
            CurationJobPhase.Planning => $"{status.FilesPlanned}/{status.Files} files planned",
            CurationJobPhase.Matching => $"{status.ShardsMatched}/{status.Shards} shards matched",
            CurationJobPhase.Sampling or CurationJobPhase.Publishing or CurationJobPhase.Done => $"{status.ShardsSampled}/{status.Shards} shards sampled",
            _ => $"{status.ShardsMatched}/{status.Shards} shards matched",
        };
        return new JobRow(id, Curation, PhaseName(status.Phase), progress, status.SubmittedAt ?? entry?.SubmittedAt ?? DateTimeOffset.MinValue, status.FinishedAt,
            status.Options?.Snapshot ?? entry?.Snapshot ?? "", status.Output ?? entry?.Output ?? "", status.SubmittedBy ?? entry?.SubmittedBy);
    }

    /// <summary>A training job's row in the jobs list.</summary>
    public static JobRow Row(string id, TrainingJobStatus status, JobEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new JobRow(id, Training, status.Phase.ToString().ToLowerInvariant(), $"step {status.Step}/{status.Steps}",
            entry?.SubmittedAt ?? DateTimeOffset.MinValue, null, entry?.Snapshot ?? "", status.Run ?? entry?.Output ?? "", status.SubmittedBy ?? entry?.SubmittedBy);
    }

    /// <summary>A curation job's page.</summary>
    public static JobPage Build(string id, CurationJobStatus status, JobEntry? entry, IReadOnlyList<RunningShard> running, JobQuery query)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(query);
        var thresholds = status.Curves.ToDictionary(c => c.Language, c => c.Threshold, StringComparer.Ordinal);
        var rows = status.Languages.Select(l => new LanguageRow(l.Language, l.Texts, l.MatchedTexts,
            thresholds.TryGetValue(l.Language, out ulong t) ? t : null, l.ImagesDecided, l.ImagesKept)).ToList();
        rows.Sort(Comparer(query.Sort, query.Descending));
        var totals = new LanguageRow("all", rows.Sum(r => r.Texts), rows.Sum(r => r.Matched), null, rows.Sum(r => r.Decided), rows.Sum(r => r.Kept));
        var curve = status.Curves.FirstOrDefault(c => c.Language == query.Curve)
            ?? status.Curves.MaxBy(c => status.Languages.FirstOrDefault(l => l.Language == c.Language)?.Texts ?? 0);
        var (rate, eta) = Rates(status);
        bool active = status.Phase is CurationJobPhase.Planning or CurationJobPhase.Matching or CurationJobPhase.Thresholds or CurationJobPhase.Sampling or CurationJobPhase.Publishing;
        var warnings = new List<string>(status.SkippedFiles);
        if (status.Curves.Count(c => c.Threshold == 0) is > 0 and int zero)
        {
            warnings.Add($"t_lang is 0 for {zero} languages: they keep nothing");
        }

        return new JobPage
        {
            Job = Row(id, status, entry),
            Error = status.Error,
            Coordinator = status.Coordinator,
            Shards = status.Shards,
            Phases = Phases(status, running),
            Running = Paged.Of([.. running.OrderBy(r => r.Index)], query.ShardPage, JobQuery.PageSize),
            Retries = status.ShardRetries,
            HandBacks = status.ShardHandBacks,
            Resumes = status.Resumes,
            Recounts = status.Recounts,
            Texts = status.Texts,
            TextsPerSecond = rate,
            EtaSeconds = eta,
            Languages = Paged.Of(rows, query.LanguagePage, JobQuery.PageSize),
            Sort = query.Sort,
            Descending = query.Descending,
            Totals = totals,
            CurveLanguages = [.. status.Curves.Select(c => c.Language)],
            Curve = curve is null ? null : new CurveView(curve.Language, curve.Threshold, curve.Ranks, curve.Counts),
            Warnings = warnings,
            Outputs = status.Phase == CurationJobPhase.Done && status.Output is { } output
                ? [Combine(output, "report.html"), Combine(output, "report.json"), output]
                : [],
            CanCancel = active || status.Phase == CurationJobPhase.Failed,
            CanRetry = status.Phase == CurationJobPhase.Failed,
        };
    }

    /// <summary>A training job's page; <paramref name="lossCurve"/> is the (step, loss) pairs seen so far.</summary>
    public static JobPage Build(string id, TrainingJobStatus status, JobEntry? entry, IReadOnlyList<double[]> lossCurve)
    {
        ArgumentNullException.ThrowIfNull(status);
        bool running = status.Phase is TrainingJobPhase.Pending or TrainingJobPhase.Running;
        return new JobPage
        {
            Job = Row(id, status, entry),
            Error = status.Error,
            Coordinator = status.Silo,
            Resumes = status.Resumes,
            EtaSeconds = status.RemainingSeconds,
            Training = new TrainingView(status.Step, status.Steps, double.IsFinite(status.Loss) ? status.Loss : null, status.ImagesPerSecond, status.Epoch,
                status.RemainingSeconds, status.Silo, status.Run, status.Resumes, status.Detail, lossCurve),
            Outputs = status.Run is { } run ? [run] : [],
            CanCancel = running,
        };
    }

    /// <summary>A phase's name as the pages show it.</summary>
    public static string PhaseName(CurationJobPhase phase) => phase switch
    {
        CurationJobPhase.NotStarted => "not started",
        CurationJobPhase.Planning => "plan",
        CurationJobPhase.Matching => "match and count",
        CurationJobPhase.Thresholds => "thresholds",
        CurationJobPhase.Sampling => "sample",
        CurationJobPhase.Publishing => "publish",
        _ => phase.ToString().ToLowerInvariant(),
    };

    private static string Combine(string folder, string name) => folder.TrimEnd('/') + "/" + name;

    private static List<PhaseRow> Phases(CurationJobStatus status, IReadOnlyList<RunningShard> running)
    {
        // The index of the phase the job is in (the last it reached when it ended), 5 once done.
        int current = status.Phase switch
        {
            CurationJobPhase.NotStarted or CurationJobPhase.Planning => 0,
            CurationJobPhase.Matching => 1,
            CurationJobPhase.Thresholds => 2,
            CurationJobPhase.Sampling => 3,
            CurationJobPhase.Publishing => 4,
            CurationJobPhase.Done => 5,
            _ => status.ShardsSampled > 0 ? 3 : status.Curves.Length > 0 ? 2 : status.FilesPlanned < status.Files ? 0 : 1,
        };
        string ended = status.Phase switch
        {
            CurationJobPhase.Failed => "failed",
            CurationJobPhase.Cancelled => "cancelled",
            _ => "running",
        };
        int planRunning = running.Count(r => r.Pass == "plan");
        int matchRunning = running.Count(r => r.Pass is "match" or "recount");
        int sampleRunning = running.Count(r => r.Pass == "sample");
        var rows = new List<PhaseRow>();
        for (int i = 0; i < PhaseNames.Length; i++)
        {
            string state = i < current ? "done" : i == current ? ended : "pending";
            var (done, inFlight, total) = i switch
            {
                0 when status.Files > 0 => (status.FilesPlanned, planRunning, status.Files), // files, for a job that planned on its workers
                0 => (status.Shards, 0, status.Shards),
                1 => (status.ShardsMatched, matchRunning, status.Shards),
                3 => (status.ShardsSampled, sampleRunning, status.Shards),
                _ => (i < current ? 1 : 0, 0, 1),
            };
            rows.Add(new PhaseRow(PhaseNames[i], state, done, inFlight, total));
        }

        return rows;
    }

    /// <summary>Texts per second in pass 1 and seconds left in the current pass, from this run's shard rate.</summary>
    private static (double? Rate, double? Eta) Rates(CurationJobStatus status)
    {
        if (status.PhaseSeconds <= 0 || status.PhaseShardsThisRun <= 0)
        {
            return (null, null);
        }

        double shardsPerSecond = status.PhaseShardsThisRun / status.PhaseSeconds;
        double textsPerShard = status.ShardsMatched > 0 ? (double)status.Texts / status.ShardsMatched : 0;
        int left = status.Phase switch
        {
            CurationJobPhase.Planning => status.Files - status.FilesPlanned,
            CurationJobPhase.Matching => status.Shards - status.ShardsMatched,
            CurationJobPhase.Sampling => status.ShardsMatched - status.ShardsSampled,
            _ => 0,
        };
        double? rate = status.Phase == CurationJobPhase.Matching ? shardsPerSecond * textsPerShard : null;
        return (rate, status.Phase is CurationJobPhase.Planning or CurationJobPhase.Matching or CurationJobPhase.Sampling ? left / shardsPerSecond : null);
    }

    private static Comparison<LanguageRow> Comparer(string sort, bool descending)
    {
        Comparison<LanguageRow> by = sort switch
        {
            "language" => (a, b) => string.CompareOrdinal(a.Language, b.Language),
            "matched" => (a, b) => a.Matched.CompareTo(b.Matched),
            "tlang" => (a, b) => Nullable.Compare(a.TLang, b.TLang),
            "decided" => (a, b) => a.Decided.CompareTo(b.Decided),
            "kept" => (a, b) => a.Kept.CompareTo(b.Kept),
            _ => (a, b) => a.Texts.CompareTo(b.Texts),
        };

        // Ties in language order, whichever way the column sorts.
        return (a, b) =>
        {
            int c = descending ? by(b, a) : by(a, b);
            return c != 0 ? c : string.CompareOrdinal(a.Language, b.Language);
        };
    }
}
