using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Tests;

/// <summary>
/// Fault injection for the cluster tests: holds shard-worker and language-partition calls (by method, and optionally only on one
/// silo) so that a test can kill a silo while it has shards in flight, deterministically. Registered on
/// every silo of a test cluster as an incoming grain call filter; the work itself is the real grains'.
/// </summary>
public sealed class ShardGate
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _method;
    private HashSet<string>? _silos;
    private int _pass = int.MaxValue;
    private int _held;
    private int _calls;

    private readonly Dictionary<string, int> _callsByMethod = [];
    private readonly Dictionary<string, int> _callsBySilo = [];
    private readonly Dictionary<string, int> _heldBySilo = [];

    /// <summary>Calls being held right now on <paramref name="silo"/>.</summary>
    public int HeldOn(SiloAddress silo)
    {
        lock (_gate)
        {
            return _heldBySilo.GetValueOrDefault(silo.ToString());
        }
    }

    /// <summary>Calls of a shard-worker or partition method that reached <paramref name="silo"/> so far.</summary>
    public int CallsOn(SiloAddress silo, string method)
    {
        lock (_gate)
        {
            return _callsBySilo.GetValueOrDefault($"{silo}/{method}");
        }
    }

    /// <summary>Calls of a shard-worker or partition method so far.</summary>
    public int CallsOf(string method)
    {
        lock (_gate)
        {
            return _callsByMethod.GetValueOrDefault(method);
        }
    }

    /// <summary>Calls being held right now.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>
    /// Holds calls of <paramref name="method"/> after the first <paramref name="pass"/> (counted from now),
    /// and only on <paramref name="silo"/> when given. Held calls never finish unless <see cref="Open"/> is called.
    /// </summary>
    public void Hold(string method, int pass = 0, SiloAddress? silo = null) => Hold(method, pass, silo is null ? null : [silo]);

    /// <summary>Holds calls of <paramref name="method"/> after the first <paramref name="pass"/>, on any of <paramref name="silos"/> (all when null).</summary>
    public void Hold(string method, int pass, IEnumerable<SiloAddress>? silos)
    {
        lock (_gate)
        {
            _method = method;
            _pass = pass;
            _calls = 0;
            _silos = silos?.Select(s => s.ToString()).ToHashSet();
            Signal();
        }
    }

    /// <summary>Lets every held and future call through.</summary>
    public void Open()
    {
        lock (_gate)
        {
            _method = null;
            Signal();
        }
    }

    /// <summary>
    /// Waits while the call is held. A held call is let through when <paramref name="stopping"/> fires (its silo
    /// is shutting down), so that the worker itself sees the shutdown.
    /// </summary>
    internal async Task EnterAsync(string method, SiloAddress silo, CancellationToken stopping)
    {
        lock (_gate)
        {
            _callsByMethod[method] = _callsByMethod.GetValueOrDefault(method) + 1;
            _callsBySilo[$"{silo}/{method}"] = _callsBySilo.GetValueOrDefault($"{silo}/{method}") + 1;
            if (!Applies(method, silo) || _calls++ < _pass)
            {
                return;
            }

            _held++;
            _heldBySilo[silo.ToString()] = _heldBySilo.GetValueOrDefault(silo.ToString()) + 1;
        }

        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (!Applies(method, silo))
                {
                    Released(silo);
                    return;
                }

                changed = _changed.Task;
            }

            await Task.WhenAny(changed, Task.Delay(Timeout.Infinite, stopping));
            if (stopping.IsCancellationRequested)
            {
                lock (_gate)
                {
                    Released(silo);
                }

                return;
            }
        }
    }

    private void Released(SiloAddress silo)
    {
        _held--;
        _heldBySilo[silo.ToString()]--;
    }

    private bool Applies(string method, SiloAddress silo) => method == _method && (_silos is null || _silos.Contains(silo.ToString()));

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The filter that sends shard-worker and language-partition calls through the <see cref="ShardGate"/>.</summary>
internal sealed class ShardGateFilter(ShardGate gate, ILocalSiloDetails silo, MetaClip.Grains.Curation.ShardSlots slots) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.Grain is IShardWorkerGrain or ILanguagePartitionGrain)
        {
            await gate.EnterAsync(context.ImplementationMethod.Name, silo.SiloAddress, slots.Stopping);
        }

        await context.Invoke();
    }
}
