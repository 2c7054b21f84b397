namespace MetaClip.Engine.Pipeline;

/// <summary>The phases of a job, in order.</summary>
public enum CurationPhase
{
    /// <summary>Starting the cluster the job runs on.</summary>
    Starting,
    LoadingMetadata,
    Planning,
    Matching,
    Thresholds,
    Sampling,
    Writing,
    Done,
}
