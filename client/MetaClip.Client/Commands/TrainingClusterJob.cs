using System.Globalization;
using MetaClip.Engine;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Training;

namespace MetaClip.Client.Commands;

/// <summary>A training job on a cluster (ids <c>train-…</c>): submitted by <c>metaclip train --submit</c>.</summary>
internal sealed class TrainingClusterJob(ITrainingJobGrain job) : ClusterJob(job.GetPrimaryKeyString())
{
    /// <summary>A new training job id: <c>train-</c>, the time and a random suffix.</summary>
    public static string NewId() => TrainingPrefix + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];

    public static string Describe(TrainingJobStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.JobId}: {s.Phase}; step {s.Step:N0}/{s.Steps:N0}, loss {s.Loss:0.0000}, {s.ImagesPerSecond:0} img/s, epoch {s.Epoch}" +
        $"{(s.RemainingSeconds is double r ? $", ETA {TimeSpan.FromSeconds(Math.Round(r)):hh\\:mm\\:ss}" : "")}{(s.Silo is null ? "" : $" on {s.Silo}")}" +
        $"{(s.Resumes > 0 ? $"; resumed {s.Resumes}×" : "")}{(s.Error is null ? "" : "; error: " + s.Error)}{(s.SubmittedBy is null ? "" : "; submitted by " + s.SubmittedBy)}");

    public override async Task<JobSummary?> GetSummaryAsync(CancellationToken cancellationToken)
    {
        var status = await job.GetStatus().ConfigureAwait(false);
        return Known(status) ? Summary(status) : null;
    }

    public override async Task<JobSummary> CancelAsync() => Summary(await job.Cancel().ConfigureAwait(false));

    /// <summary>Prints the job's progress (a line when it moves, at most one a second) until it ends.</summary>
    public override async Task<int> WatchAsync(TextWriter output, bool interactive, CancellationToken cancellationToken)
    {
        long lastStep = -1;
        string? lastSilo = null;
        TrainingJobStatus status;
        while (true)
        {
            status = await job.GetStatus().ConfigureAwait(false);
            if (!Known(status))
            {
                throw NoSuchJob(Id);
            }

            if (status.Step != lastStep || status.Silo != lastSilo || status.Phase != TrainingJobPhase.Running)
            {
                await output.WriteLineAsync(TerminalText.Printable(Describe(status))).ConfigureAwait(false);
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

    /// <summary>A job that was never started has no spec, so no steps.</summary>
    private static bool Known(TrainingJobStatus status) => status.Steps > 0;

    private static JobSummary Summary(TrainingJobStatus s) => new(
        s.Phase.ToString(),
        string.Create(CultureInfo.InvariantCulture, $"step {s.Step}/{s.Steps}"),
        Describe(s),
        s.Phase switch
        {
            TrainingJobPhase.Done => JobEnd.Done,
            TrainingJobPhase.Failed => JobEnd.Failed,
            TrainingJobPhase.Cancelled => JobEnd.Cancelled,
            _ => null,
        });
}
