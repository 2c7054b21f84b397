namespace MetaClip.GrainInterfaces;

/// <summary>
/// The phases of a job. A job runs Planning, Matching, Thresholds, Sampling, Publishing; the values are stored and sent
/// as numbers, so a phase added later takes the next number, wherever it falls in that order.
/// </summary>
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

    /// <summary>The snapshot's files are split into shards, on the workers, file by file.</summary>
    Planning,
}
