namespace MetaClip.GrainInterfaces;

/// <summary>The phases of a job.</summary>
public enum CurationJobPhase
{
    NotStarted,
    Matching,
    Thresholds,
    Sampling,
    Publishing,
    Done,
    Failed,
    Cancelled,
}
