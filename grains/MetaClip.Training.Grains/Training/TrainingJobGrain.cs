using MetaClip.Engine.Outputs;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains;
using MetaClip.Grains.Curation;
using MetaClip.Grains.Placement;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MetaClip.Training.Grains;

/// <summary>
/// A training run on a silo that can train (<see cref="AcceleratorPlacementAttribute"/>). The loop
/// (<see cref="TrainingRun"/>) runs on a thread of its own, never on the grain's turn; the grain copies its progress
/// into the persisted state every few seconds, and a reminder brings the job back after its silo dies: the next
/// activation resumes the run from the newest checkpoint in the run folder, which continues bit for bit.
/// </summary>
[AcceleratorPlacement]
public sealed partial class TrainingJobGrain(
    [PersistentState("training", CurationStorage.Name)] IPersistentState<TrainingJobState> state,
    DataStore store,
    ShardSlots silo,
    IOptions<CurationSiloOptions> siloOptions,
    ILogger<TrainingJobGrain> logger,
    IGrainContextAccessor grainContext) : Grain, ITrainingJobGrain, IRemindable, IDisposable
{
    private const string ResumeReminder = "resume-training";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(20);

    private readonly CancellationTokenSource _cancel = new();
    private CancellationTokenSource? _runCancel;
    private Task<TrainingResult>? _run;
    private IGrainTimer? _timer;
    private volatile TrainingProgress? _progress;
    private string? _detail;
    private long _imagesPerStep;

    private TrainingJobState Job => state.State;

    // The key names the job's folders, which the job writes and deletes: a key that is a path never activates (checked
    // as the grain is made, before its state is read by that key).
    private string JobId { get; } = JobIds.Check(grainContext.GrainContext.GrainId.Key.ToString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The activating call's context is not the resumed run's: its caller's name must not travel on with the run.
        RequestContext.Clear();
        if (Job.Spec is not null && Job.Phase == TrainingJobPhase.Running)
        {
            // The run was going when its previous activation was lost: go on from its newest checkpoint.
            Job.Resumes++;
            LogResuming(logger, JobId, Job.Step, RuntimeIdentity);
            StartRun();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is { IsCompleted: false })
        {
            // Stop after the current step (the loop writes a checkpoint); the next activation resumes there.
            await _cancel.CancelAsync();
            await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None));
            LogHandingOver(logger, JobId, reason.ReasonCode);
        }
    }

    public async Task<TrainingJobStatus> Start(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Job.Spec is not null)
        {
            return Status();
        }

        var runSpec = TrainingJobSpecs.ToRunSpec(spec);
        runSpec.Validate();

        // Only the silo's allowed locations (MetaClip:AllowedLocations), as for a curation job.
        var allowed = siloOptions.Value.AllowedLocations;
        string? submitter = JobPrincipal.Current;
        allowed.Check("--job", spec.CurationOutput, submitter, write: false);
        allowed.Check("--out", spec.Run, submitter, write: true);
        if (spec.Tokenizer is { Length: > 0 } tokenizer)
        {
            allowed.Check("--tokenizer", tokenizer, submitter, write: false);
        }

        // Online curation reads the curation job's snapshot, metadata and LID model again, as its report names them:
        // those must be the submitter's to read too (a report in one's own folder may name anyone's files).
        if (spec.Online)
        {
            var report = await ReportWriter.ReadAsync(store, spec.CurationOutput, CancellationToken.None);
            allowed.Check("--online: the job's snapshot", report.Snapshot, submitter, write: false);
            allowed.Check("--online: the job's metadata", report.Metadata, submitter, write: false);
            if (report.LidModel is { Length: > 0 } model)
            {
                allowed.Check("--online: the job's LID model", model, submitter, write: false);
            }
        }

        Job.Spec = spec with { Run = DataStore.Normalize(spec.Run), CurationOutput = DataStore.Normalize(spec.CurationOutput) };
        Job.Phase = TrainingJobPhase.Running;
        Job.SubmittedAt = DateTimeOffset.UtcNow;
        Job.SubmittedBy = submitter;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).Add(new JobEntry(JobId, Job.SubmittedAt, Job.Spec.CurationOutput, Job.Spec.Run) { SubmittedBy = Job.SubmittedBy });
        LogStarted(logger, JobId, spec.Preset, spec.Steps, RuntimeIdentity);
        StartRun();
        return Status();
    }

    public Task<TrainingJobStatus> GetStatus() => Task.FromResult(Status());

    public async Task<TrainingJobStatus> Cancel()
    {
        if (Job.Spec is not null)
        {
            // Checked whatever the phase, as a curation job does: a caller who may not change the job is told so.
            JobPrincipalCheck.EnsureMayChange(JobId, Job.SubmittedBy, JobPrincipal.Current, siloOptions.Value.Operators, "cancel");
        }

        if (Job.Phase is TrainingJobPhase.Running or TrainingJobPhase.Pending)
        {
            Job.Phase = TrainingJobPhase.Cancelled;
            await _cancel.CancelAsync();
            if (_run is not null)
            {
                await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(30)));
            }

            await state.WriteStateAsync();
            await this.UnregisterReminderIfAnyAsync(ResumeReminder);
        }

        return Status();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The activation resumed a running job already; a finished one needs no reminder any more.
        if (Job.Phase != TrainingJobPhase.Running)
        {
            await this.UnregisterReminderIfAnyAsync(ResumeReminder);
        }
    }

    private void StartRun()
    {
        var spec = TrainingJobSpecs.ToRunSpec(Job.Spec!);
        string run = Job.Spec!.Run;
        var progress = new Progress(this);
        _imagesPerStep = (long)spec.Training.BatchSize * spec.Training.AccumulationSteps;
        _runCancel?.Dispose();
        _runCancel = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, silo.Stopping);
        var token = _runCancel.Token;

        // Every file the run reads its pairs from is the submitter's to read (checked where it is read: the report, a
        // link in the job's folder, may name anything, and may change after the start's check).
        var allowed = siloOptions.Value.AllowedLocations;
        string? submitter = Job.SubmittedBy;
        void CheckRead(string what, string location) => allowed.Check(what, location, submitter, write: false);

        // The loop is synchronous compute: a thread of its own, off the grain's scheduler.
        _run = Task.Factory.StartNew(
            () => new TrainingRun(spec, run, store, progress, CheckRead).RunAsync(token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        _timer ??= this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(ProgressInterval, ProgressInterval) { Interleave = true });
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        DelayDeactivation(KeepAlive);
        if (_progress is { } p)
        {
            Job.Step = p.Step;
            Job.Loss = p.Loss;
        }

        bool ended = _run is { IsCompleted: true };
        if (_run is { IsCompleted: true } run)
        {
            if (run.IsCompletedSuccessfully)
            {
                var result = await run;
                Job.Phase = TrainingJobPhase.Done;
                Job.Step = result.Steps;
                Job.Loss = result.FinalLoss;
                LogDone(logger, JobId, result.Steps, result.FinalLoss);
                await this.UnregisterReminderIfAnyAsync(ResumeReminder);
            }
            else if (run.IsCanceled || run.Exception?.InnerException is OperationCanceledException)
            {
                // Cancelled by the user (the phase says so already) or by this silo stopping (the next activation resumes).
                if (Job.Phase == TrainingJobPhase.Running && !_cancel.IsCancellationRequested)
                {
                    DeactivateOnIdle();
                }
            }
            else
            {
                Job.Phase = TrainingJobPhase.Failed;
                Job.Error = run.Exception!.InnerException!.Message;
                LogFailed(logger, JobId, Job.Error);
                await this.UnregisterReminderIfAnyAsync(ResumeReminder);
            }
        }

        if (!ended)
        {
            await state.WriteStateAsync(cancellationToken);
            return;
        }

        // The run's end is saved before this timer stops: disposing a grain timer cancels the token of the callback it
        // is running, so a write after it (or with its token) never happened, and the job came back Running after a
        // restart and trained again.
        await state.WriteStateAsync(CancellationToken.None);
        _timer?.Dispose();
        _timer = null;
    }

    private TrainingJobStatus Status()
    {
        var p = _progress;
        var spec = Job.Spec;
        return new TrainingJobStatus(JobId, Job.Phase, p?.Step ?? Job.Step, spec?.Steps ?? 0, p?.Loss ?? Job.Loss, p?.ImagesPerSecond ?? 0, p?.Epoch ?? 0,
            p?.Remaining?.TotalSeconds, Job.Phase == TrainingJobPhase.Running ? RuntimeIdentity : null, Job.Resumes, spec?.Run, Job.Error, _detail)
        {
            SubmittedBy = Job.SubmittedBy,
        };
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _runCancel?.Dispose();
        _cancel.Dispose();
    }

    /// <summary>Hears the loop (on its thread) and keeps the latest report for the grain to read.</summary>
    private sealed class Progress(TrainingJobGrain grain) : IProgress<TrainingProgress>
    {
        private long _counted;

        public void Report(TrainingProgress value)
        {
            if (value.Detail is string detail)
            {
                // The run starts here (at its checkpoint's step when it resumes).
                _counted = value.Step;
                grain._detail = detail;
                return;
            }

            if (value.Step > _counted)
            {
                MetaClipMetrics.TrainingSteps.Add(value.Step - _counted);
                MetaClipMetrics.TrainingImages.Add((value.Step - _counted) * grain._imagesPerStep);
            }

            _counted = value.Step;
            grain._progress = value;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId}: started ({Preset}, {Steps} steps) on {Silo}")]
    private static partial void LogStarted(ILogger logger, string jobId, string preset, int steps, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId}: resuming after step {Step} on {Silo}")]
    private static partial void LogResuming(ILogger logger, string jobId, long step, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId}: this activation stops ({Reason}); the run resumes from its newest checkpoint on the next one")]
    private static partial void LogHandingOver(ILogger logger, string jobId, DeactivationReasonCode reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId}: done after {Steps} steps, loss {Loss:0.0000}")]
    private static partial void LogDone(ILogger logger, string jobId, long steps, double loss);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training job {JobId}: failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string jobId, string error);
}
