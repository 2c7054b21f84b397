using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace MetaClip.Grains.Curation;

/// <summary>
/// Persists a coordinator's <see cref="CurationJobState"/>: at once when forced (a phase change, the end), else at most
/// once per <see cref="Interval"/> — a skipped write is made when the interval has passed, so no shard result waits
/// for the next one. Runs in the coordinator's grain context.
/// </summary>
public sealed partial class JobCheckpoints(IPersistentState<CurationJobState> state, string jobId, ILogger logger, Func<bool> running, Action written) : IDisposable
{
    /// <summary>The longest a finished shard's result waits to be persisted.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private DateTime _last;
    private bool _flushScheduled;

    /// <summary>The activation is going away: only forced writes are made.</summary>
    public bool Deactivating { get; set; }

    /// <summary>Shard results (pass 1 plus pass 2) in the last persisted state: what a resume keeps.</summary>
    public int PersistedResults { get; private set; }

    public async Task WriteAsync(bool force)
    {
        if (Deactivating && !force)
        {
            return;
        }

        if (!force && DateTime.UtcNow - _last < Interval)
        {
            if (!_flushScheduled)
            {
                _flushScheduled = true;
                _ = FlushLaterAsync();
            }

            return;
        }

        await _writeLock.WaitAsync();
        try
        {
            _last = DateTime.UtcNow;
            int results = state.State.Matched.Count + state.State.Sampled.Count;
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException e)
            {
                // The stored state is not the one this activation last wrote or read (storage rolled back, or another
                // activation wrote meanwhile): read it, keep every shard result either side has, and write again.
                LogConflict(logger, jobId, e.Message);
                var mine = state.State;
                await state.ReadStateAsync();
                state.State = mine.MergedWith(state.State);
                await state.WriteStateAsync();
            }

            PersistedResults = results;
            written();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose() => _writeLock.Dispose();

    private async Task FlushLaterAsync()
    {
        try
        {
            await Task.Delay(Interval);
            _flushScheduled = false;
            if (!Deactivating && running())
            {
                await WriteAsync(force: true);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The next checkpoint writes the same state again; a lost write only means more shards re-run on a resume.
            LogCheckpointFailed(logger, jobId, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its stored state changed under it ({Error}); merged and written again")]
    private static partial void LogConflict(ILogger logger, string jobId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a deferred checkpoint failed: {Error}")]
    private static partial void LogCheckpointFailed(ILogger logger, string jobId, string error);
}
