using Microsoft.Extensions.Options;

namespace MetaClip.Grains.Curation;

/// <summary>
/// The silo's shard slots: at most <see cref="CurationSiloOptions.MaxConcurrentShards"/> shards run at once.
/// When the silo starts shutting down, <see cref="Stopping"/> fires: the shards it runs are handed back to
/// their coordinators, which run them elsewhere.
/// </summary>
public sealed class ShardSlots : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How long a stopping silo waits at most for its shard calls to hand back.</summary>
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The silo goes on stopping once no shard call has been on it for this long (counted from the stop at the
    /// earliest): a call delivered just before the stop has reached its worker, and handed back, by then.
    /// </summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _slots;
    private readonly bool _alone;
    private readonly CancellationTokenSource _stopping = new();
    private int _calls;
    private long _lastCallChange = Environment.TickCount64;

    public ShardSlots(IOptions<CurationSiloOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = Math.Max(1, options.Value.MaxConcurrentShards);
        _alone = options.Value.SingleSilo;
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    public CancellationToken Stopping => _stopping.Token;

    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Release() => _slots.Release();

    /// <summary>A shard call reached this silo's worker (it waits for a slot, runs, or hands back).</summary>
    public void CallStarted()
    {
        Interlocked.Increment(ref _calls);
        Volatile.Write(ref _lastCallChange, Environment.TickCount64);
    }

    /// <summary>The shard call has answered.</summary>
    public void CallEnded()
    {
        Volatile.Write(ref _lastCallChange, Environment.TickCount64);
        Interlocked.Decrement(ref _calls);
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ShardSlots), ServiceLifecycleStage.Active, _ => Task.CompletedTask, HandBackAsync);
    }

    /// <summary>
    /// Tells the running shards to hand back, and lets them answer before the silo goes on stopping: a silo
    /// that deactivates its grains while they answer can lose the answers, and a coordinator that sees a lost
    /// silo instead of a hand-back waits for membership before it re-runs the shards. Bounded by
    /// <see cref="HandBackTimeout"/> and by the host's stop token. A silo that is its cluster's only one
    /// (<see cref="CurationSiloOptions.SingleSilo"/>) stops at once: no other silo would run what it hands back.
    /// </summary>
    private async Task HandBackAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastCallChange, Environment.TickCount64);
        await _stopping.CancelAsync();
        if (_alone)
        {
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < HandBackTimeout && !cancellationToken.IsCancellationRequested)
        {
            bool quiet = Volatile.Read(ref _calls) == 0 &&
                Environment.TickCount64 - Volatile.Read(ref _lastCallChange) >= QuietPeriod.TotalMilliseconds;
            if (quiet)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _stopping.Dispose();
    }
}
