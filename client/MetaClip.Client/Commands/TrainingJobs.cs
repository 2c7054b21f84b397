using System.Globalization;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Training;

namespace MetaClip.Client.Commands;

/// <summary>Training jobs on a cluster (ids <c>train-…</c>): submitted by <c>metaclip train --submit</c>, followed by <c>watch</c>.</summary>
internal static class TrainingJobs
{
    public const string Prefix = "train-";

    public static bool IsTrainingJob(string id) => id.StartsWith(Prefix, StringComparison.Ordinal);

    public static string NewId() => Prefix + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];

    public static string Describe(TrainingJobStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.JobId}: {s.Phase}; step {s.Step:N0}/{s.Steps:N0}, loss {s.Loss:0.0000}, {s.ImagesPerSecond:0} img/s, epoch {s.Epoch}" +
        $"{(s.RemainingSeconds is double r ? $", ETA {TimeSpan.FromSeconds(Math.Round(r)):hh\\:mm\\:ss}" : "")}{(s.Silo is null ? "" : $" on {s.Silo}")}" +
        $"{(s.Resumes > 0 ? $"; resumed {s.Resumes}×" : "")}{(s.Error is null ? "" : "; error: " + s.Error)}");

    /// <summary>Prints the job's progress (a line when it moves, at most one a second) until it ends.</summary>
    public static async Task<int> WatchAsync(ITrainingJobGrain job, TextWriter output, CancellationToken cancellationToken)
    {
        long lastStep = -1;
        string? lastSilo = null;
        TrainingJobStatus status;
        while (true)
        {
            status = await job.GetStatus().ConfigureAwait(false);
            if (status.Steps == 0)
            {
                throw new MetaClip.Engine.CurationException($"no training job {status.JobId} on this cluster");
            }

            if (status.Step != lastStep || status.Silo != lastSilo || status.Phase != TrainingJobPhase.Running)
            {
                await output.WriteLineAsync(Describe(status)).ConfigureAwait(false);
                lastStep = status.Step;
                lastSilo = status.Silo;
            }

            if (status.Phase != TrainingJobPhase.Running)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }

        if (status.Phase == TrainingJobPhase.Done && status.Run is string run)
        {
            await output.WriteLineAsync($"Model:   {DataStore.Combine(run, TrainingRun.ModelFile)}").ConfigureAwait(false);
            await output.WriteLineAsync($"Metrics: {DataStore.Combine(run, TrainingRun.MetricsFile)}").ConfigureAwait(false);
        }

        return status.Phase switch
        {
            TrainingJobPhase.Done => MetaClipCommandLine.Success,
            TrainingJobPhase.Cancelled => MetaClipCommandLine.Cancelled,
            _ => MetaClipCommandLine.InputError,
        };
    }
}
