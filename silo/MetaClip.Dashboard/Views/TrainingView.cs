namespace MetaClip.Dashboard.Views;

/// <summary>
/// A training job's figures: step of steps, loss, images/s, epoch, ETA, the silo training it, its run folder, the status
/// detail (data-wait share, checkpoints, eval as the job reports them) and the loss curve seen by this silo.
/// </summary>
public sealed record TrainingView(long Step, long Steps, double? Loss, double ImagesPerSecond, long Epoch, double? RemainingSeconds, string? Silo,
    string? Run, int Resumes, string? Detail, IReadOnlyList<double[]> LossCurve);
