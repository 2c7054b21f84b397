using System.Diagnostics;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace MetaClip.Grains.Curation;

/// <summary>
/// <see cref="ICurationJobGrain"/>: runs a job's <see cref="ICurationSteps"/> across the cluster. It plans the shards,
/// fans pass 1 out to <see cref="IShardWorkerGrain"/>s (<see cref="ShardDispatcher"/>), waits for all counts (the
/// barrier), verifies them (<see cref="CountVerification"/>), computes the thresholds from the language partitions'
/// global counts, fans out pass 2 and publishes the outputs through the engine's publisher
/// (<see cref="JobPublishing"/>). The job's progress is checkpointed (<see cref="JobCheckpoints"/>); a new
/// activation resumes it from there.
/// </summary>
public sealed partial class CurationJobGrain(
    [PersistentState("job", CurationStorage.Name)] IPersistentState<CurationJobState> state,
    ICurationSteps steps,
    MetadataCache metadataCache,
    LidModelCache lidModels,
    ShardIntermediates intermediates,
    DataStore store,
    IOptions<ClusterOptions> cluster,
    IOptions<CurationSiloOptions> siloOptions,
    ILogger<CurationJobGrain> logger,
    IGrainContextAccessor grainContext) : Grain, ICurationJobGrain, IRemindable, IDisposable
{
    private const string ResumeReminder = "resume";
    private static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(20);
    private static readonly CurationOptionsConverter Converter = new();

    private readonly CancellationTokenSource _cancel = new();
    private readonly Stopwatch _phaseClock = new();
    private readonly LanguageTallies _tallies = new();
    private JobCheckpoints? _checkpoints;
    private Task? _run;
    private bool _cancelRequested;
    private int _phaseShardsThisRun;
    private long _texts;
    private CurationJobPhase? _reportedPhase;
    private LanguageCurve[] _curves = [];

    private CurationJobState Job => state.State;

    // The key names the job's folders, which the job writes and deletes: a key that is a path never activates (checked
    // as the grain is made, before its state is read by that key).
    private string JobId { get; } = JobIds.Check(grainContext.GrainContext.GrainId.Key.ToString());

    private CurationOptions Options => Converter.ConvertFromSurrogate(Job.Spec!.Value);

    private JobCheckpoints Checkpoints => _checkpoints ??= new JobCheckpoints(state, JobId, logger, () => IsRunning(Job.Phase), () =>
    {
        if (IsRunning(Job.Phase) && !_checkpoints!.Deactivating)
        {
            DelayDeactivation(KeepAlive);
        }
    });

    private static bool IsRunning(CurationJobPhase phase) =>
        phase is CurationJobPhase.Planning or CurationJobPhase.Matching or CurationJobPhase.Thresholds or CurationJobPhase.Sampling or CurationJobPhase.Publishing;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The activating call's context is not the resumed run's: its caller's name, checked or not, must not travel on
        // with the run's calls (which a silo vouches for).
        RequestContext.Clear();
        if (Job.Phase is CurationJobPhase.Done or CurationJobPhase.Cancelled && Job.WorkFolder.Length > 0
            && await store.KindAsync(Job.WorkFolder, cancellationToken) != StoredKind.Missing)
        {
            // The previous activation was lost between recording the end and cleaning up.
            await CleanUpAsync();
        }

        RebuildTallies();
        if (Job.Spec is not null && IsRunning(Job.Phase))
        {
            // The job was running when its previous activation was lost: resume it from the persisted shard states.
            Job.Resumes++;
            LogResuming(logger, JobId, Job.Phase, Job.Matched.Count, Job.Sampled.Count, Job.Shards.Count);
            StartRun();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is { IsCompleted: false })
        {
            // Leave the job where it is; the next activation (a status call or the reminder) resumes it.
            Checkpoints.Deactivating = true;
            await _cancel.CancelAsync();
            await Checkpoints.WriteAsync(force: true);
            LogHandingOver(logger, JobId, reason.ReasonCode);
        }
    }

    public async Task<CurationJobStatus> Start(CurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Job.Spec is not null)
        {
            return Status();
        }

        var job = options.Validate();
        // Whose locations: the caller's, who is recorded as the job's submitter below.
        string? submitter = JobPrincipal.Current;
        siloOptions.Value.AllowedLocations.Check(job, submitter);
        if (job.NeedsLid)
        {
            // Checked (and loaded into this silo's cache) before anything runs: a missing or broken model fails the
            // start, naming the file.
            await lidModels.GetAsync(job.LidModel!);
        }

        // The files are listed here (a snapshot that does not exist fails the start); splitting them into shards reads
        // big files through, so that is the job's first phase, run by the workers (RunAsync), not this call.
        var files = await steps.DiscoverAsync(job, CancellationToken.None);

        // A snapshot folder's files are read one by one: a link among them must not lead out of the allowed roots.
        foreach (var file in files)
        {
            siloOptions.Value.AllowedLocations.Check("--snapshot", file.Path, submitter, write: false);
        }

        // The output folder is this job's from now until it is done or cancelled (a failed job keeps it for a retry).
        // A silo alone with its state in memory is a process's own cluster (the embedded one of metaclip curate): the
        // process holds the folder, and a killed one is seen as such.
        var claim = siloOptions.Value is { SingleSilo: true, IntermediatesInMemory: true } ? OutputClaim.ForThisProcess(JobId) : OutputClaim.ForCluster(JobId, cluster.Value.ServiceId);
        // The claim's check of another holder runs on the activation's scheduler: TakeAsync continues off it, and asking
        // another job grain from there was "a non-activation thread attempted to access activation services".
        var scheduler = TaskScheduler.Current;
        await claim.TakeAsync(store, job.Output,
            held => Task.Factory.StartNew(() => IsOverAsync(held), CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap(), CancellationToken.None);
        Job.Spec = Converter.ConvertToSurrogate(job);
        Job.Phase = CurationJobPhase.Planning;
        Job.SubmittedAt = DateTimeOffset.UtcNow;
        Job.SubmittedBy = submitter;
        Job.WorkFolder = JobWorkFolder.Of(job.Output, JobId);
        Job.Files = [.. files.Select(f => new ShardPlan(f.Path, f.Name, (int)f.Format, -1))];
        await Checkpoints.WriteAsync(force: true);
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).Add(new JobEntry(JobId, Job.SubmittedAt, job.Snapshot, job.Output) { SubmittedBy = Job.SubmittedBy });
        LogStarted(logger, JobId, job.Snapshot, Job.Files.Count);
        StartRun();
        return Status();
    }

    public Task<CurationJobStatus> GetStatus() => Task.FromResult(Status());

    public async Task<CurationJobStatus> Cancel()
    {
        if (Job.Spec is null)
        {
            return Status();
        }

        // Who may cancel is checked before whether there is anything to cancel: a caller who may not change the job is
        // told so whatever its phase, not answered "done" or refused depending on how far it got.
        JobPrincipalCheck.EnsureMayChange(JobId, Job.SubmittedBy, JobPrincipal.Current, siloOptions.Value.Operators, "cancel");
        if (Job.Phase is CurationJobPhase.Done or CurationJobPhase.Cancelled)
        {
            return Status();
        }

        _cancelRequested = true;
        await _cancel.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
                // The run observed the cancellation.
            }
        }

        if (Job.Phase != CurationJobPhase.Cancelled)
        {
            // A failed job (or one whose run was lost): discard what it kept for a retry.
            await FinishAsync(CurationJobPhase.Cancelled);
        }

        return Status();
    }

    public async Task<CurationJobStatus> Retry(bool skipBadFiles)
    {
        if (Job.Spec is null)
        {
            return Status();
        }

        JobPrincipalCheck.EnsureMayChange(JobId, Job.SubmittedBy, JobPrincipal.Current, siloOptions.Value.Operators, "retry");
        if (Job.Phase != CurationJobPhase.Failed)
        {
            return Status();
        }
        Job.Spec = Job.Spec.Value with { SkipBadFiles = Job.Spec.Value.SkipBadFiles || skipBadFiles };
        Job.Phase = Job.FailedPhase;
        Job.Error = null;
        Job.FinishedAt = null;
        await Checkpoints.WriteAsync(force: true);
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        LogRetrying(logger, JobId, Job.Phase);
        StartRun();
        return Status();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Enum.IsDefined(Job.Phase))
        {
            // A phase a newer build added (a rolling upgrade: the job was started by a newer silo and this activation
            // landed on an older one). This build cannot run it, and must not take the reminder that makes a newer
            // silo resume it: step aside so that a later tick can activate the job elsewhere.
            LogUnknownPhase(logger, JobId, (int)Job.Phase);
            DeactivateOnIdle();
            return;
        }

        // Activation resumed a running job already; a finished job needs no reminder any more.
        if (!IsRunning(Job.Phase))
        {
            await this.UnregisterReminderIfAnyAsync(ResumeReminder);
        }
    }

    public void Dispose()
    {
        _cancel.Dispose();
        _checkpoints?.Dispose();
    }

    private void StartRun()
    {
        DelayDeactivation(KeepAlive);
        _run = RunAsync();
    }

    private CurationJobStatus Status()
    {
        var job = Job;
        if (job.Spec is not { } spec)
        {
            return new CurationJobStatus(CurationJobPhase.NotStarted, 0, 0, 0, 0, null) { Coordinator = RuntimeIdentity };
        }

        return new CurationJobStatus(_reportedPhase ?? job.Phase, job.Shards.Count, job.Matched.Count + job.SkippedShards.Count, job.Sampled.Count, _texts, job.Error, spec.Output)
        {
            Languages = _tallies.ToFigures(),
            SubmittedAt = job.SubmittedAt,
            SubmittedBy = job.SubmittedBy,
            PhaseSeconds = _phaseClock.Elapsed.TotalSeconds,
            PhaseShardsThisRun = _phaseShardsThisRun,
            Resumes = job.Resumes,
            ShardRetries = job.ShardRetries,
            ShardHandBacks = job.ShardHandBacks,
            Recounts = job.Recounts,
            Options = Converter.ConvertFromSurrogate(spec),
            Coordinator = RuntimeIdentity,
            SkippedFiles = [.. job.SkippedFiles],
            ShardResultsPersisted = _checkpoints?.PersistedResults ?? 0,
            Curves = _curves,
            FinishedAt = job.FinishedAt,
            Files = job.Files.Count,
            FilesPlanned = job.Phase == CurationJobPhase.Planning || job is { Phase: CurationJobPhase.Failed, FailedPhase: CurationJobPhase.Planning } ? job.Planned.Count : job.Files.Count,
        };
    }

    /// <summary>
    /// Ends the job: records its final phase, then removes its intermediates and its reminder. Until that is
    /// done, callers still see the phase before (a job is reported done once nothing of it is left behind); a
    /// coordinator lost in between cleans up on its next activation.
    /// </summary>
    private async Task FinishAsync(CurationJobPhase phase)
    {
        if (Job.Phase != phase)
        {
            MetaClipMetrics.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", phase == CurationJobPhase.Done ? "done" : "cancelled"));
        }

        _reportedPhase = Job.Phase;
        try
        {
            Job.Phase = phase;
            Job.FinishedAt ??= DateTimeOffset.UtcNow;
            _phaseClock.Stop();
            await Checkpoints.WriteAsync(force: true);
            await CleanUpAsync();
        }
        finally
        {
            _reportedPhase = null;
        }
    }

    private async Task CleanUpAsync()
    {
        string work = Job.WorkFolder;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Task.Run(() => JobWorkFolder.RemoveAsync(intermediates, work));
                break;
            }
            catch (InvalidOperationException e) when (!JobWorkFolder.IsWorkFolder(work))
            {
                // The state names something that is no job's work folder (JobWorkFolder refuses to delete it): nothing is
                // deleted, and the job still ends (its claim is released) rather than failing at every activation.
                LogWorkFolderLeft(logger, JobId, work, e.Message);
                break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or MetaClip.Engine.CurationException)
            {
                // A late attempt of a shard (timed out and run again elsewhere) can still be writing into the folder while
                // it is removed. The job's outputs are published or not already: the folder is removed again, and if it
                // still cannot be, it is left behind, reported, rather than failing a finished job.
                if (attempt == 3)
                {
                    LogWorkFolderLeft(logger, JobId, work, e.Message);
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }

        if (Job.Spec is { } spec)
        {
            await OutputClaim.ReleaseAsync(store, spec.Output, JobId, CancellationToken.None);
        }

        await this.UnregisterReminderIfAnyAsync(ResumeReminder);
    }

    /// <summary>
    /// Whether the job holding an output folder is over: a process that is gone, or a job of this cluster that is done,
    /// cancelled or unknown. A job of another cluster cannot be asked: it holds the folder.
    /// </summary>
    private async Task<bool> IsOverAsync(OutputClaim held)
    {
        if (held.ClusterServiceId is not { } service)
        {
            return held.IsDeadProcessHere();
        }

        // A process's own cluster (metaclip curate's) knows only its own jobs: a cluster's claim, whatever its service
        // id, is another cluster's job that may be running.
        if (!string.Equals(service, cluster.Value.ServiceId, StringComparison.Ordinal) || siloOptions.Value is { SingleSilo: true, IntermediatesInMemory: true })
        {
            return false;
        }

        var status = await GrainFactory.GetGrain<ICurationJobGrain>(held.Job).GetStatus();
        return status.Phase is CurationJobPhase.NotStarted or CurationJobPhase.Done or CurationJobPhase.Cancelled;
    }

    private void AddTiming(string step, Stopwatch clock) =>
        Job.Timings[step] = Job.Timings.GetValueOrDefault(step) + clock.Elapsed.TotalSeconds;

    private void RebuildTallies()
    {
        _texts = 0;
        foreach (var summary in Job.Matched.Values)
        {
            _tallies.Add(summary.Languages);
            _texts += summary.Languages.Sum(l => l.Texts);
        }

        foreach (var summary in Job.Sampled.Values)
        {
            _tallies.Add(summary.Languages);
        }
    }
}
