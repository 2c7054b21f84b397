namespace MetaClip.Dashboard.Views;

/// <summary>Everything the job page shows, as its JSON API answers it (and its live events carry).</summary>
public sealed record JobPage
{
    public required JobRow Job { get; init; }

    public string? Error { get; init; }

    public string? Coordinator { get; init; }

    public int Shards { get; init; }

    public IReadOnlyList<PhaseRow> Phases { get; init; } = [];

    public Paged<RunningShard>? Running { get; init; }

    public int Retries { get; init; }

    public int HandBacks { get; init; }

    public int Resumes { get; init; }

    public int Recounts { get; init; }

    public long Texts { get; init; }

    public double? TextsPerSecond { get; init; }

    public double? EtaSeconds { get; init; }

    public Paged<LanguageRow>? Languages { get; init; }

    public string Sort { get; init; } = "texts";

    public bool Descending { get; init; } = true;

    public LanguageRow? Totals { get; init; }

    public IReadOnlyList<string> CurveLanguages { get; init; } = [];

    public CurveView? Curve { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The outputs and the report, once the job is done (paths or URLs as the job's output location names them).</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    public TrainingView? Training { get; init; }

    public bool CanCancel { get; init; }

    public bool CanRetry { get; init; }
}
