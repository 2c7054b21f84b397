namespace MetaClip.Engine.Pipeline;

/// <summary>A progress report: which phase, how many units of how many, how many texts so far.</summary>
public sealed record CurationProgress(CurationPhase Phase, int UnitsDone, int UnitsTotal, long TextsDone)
{
    /// <summary>More about the phase, on one line (rates, ETA, per-language tallies), where the source knows it.</summary>
    public string? Detail { get; init; }
}
