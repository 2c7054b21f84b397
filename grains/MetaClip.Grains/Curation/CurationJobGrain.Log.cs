using MetaClip.GrainInterfaces;
using Microsoft.Extensions.Logging;

namespace MetaClip.Grains.Curation;

/// <summary>The coordinator's log lines.</summary>
public sealed partial class CurationJobGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: started over {Snapshot} ({Files} files to plan)")]
    private static partial void LogStarted(ILogger logger, string jobId, string snapshot, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: planned {Shards} shards from {Files} files")]
    private static partial void LogPlanned(ILogger logger, string jobId, int shards, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: resuming in phase {Phase} ({Matched} matched, {Sampled} sampled of {Shards} shards)")]
    private static partial void LogResuming(ILogger logger, string jobId, CurationJobPhase phase, int matched, int sampled, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: this activation stops ({Reason}); the job resumes on the next one")]
    private static partial void LogHandingOver(ILogger logger, string jobId, DeactivationReasonCode reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Shards} shards are missing from the language partitions' counts; counting them again")]
    private static partial void LogRecounting(ILogger logger, string jobId, int shards);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the partition of language {Language} did not answer ({FailureType}: {Reason}); asking again")]
    private static partial void LogPartitionUnreachable(ILogger logger, string jobId, string language, string failureType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Shards} shards' parts are not as their workers wrote them ({Problem}); deciding those shards again")]
    private static partial void LogPartsLost(ILogger logger, string jobId, int shards, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: retrying from phase {Phase}")]
    private static partial void LogRetrying(ILogger logger, string jobId, CurationJobPhase phase);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: done in {Seconds:0.00} s")]
    private static partial void LogDone(ILogger logger, string jobId, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: cancelled")]
    private static partial void LogCancelled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: failed in phase {Phase}: {Error}")]
    private static partial void LogFailed(ILogger logger, string jobId, CurationJobPhase phase, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its phase {Phase} is one this silo's build does not know (a newer build's); leaving the job, and its resume reminder, to a newer silo")]
    private static partial void LogUnknownPhase(ILogger logger, string jobId, int phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its work folder {WorkFolder} could not be removed ({Error}); it is left behind and may be deleted by hand")]
    private static partial void LogWorkFolderLeft(ILogger logger, string jobId, string workFolder, string error);
}
