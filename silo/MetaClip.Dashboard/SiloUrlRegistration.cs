using MetaClip.GrainInterfaces;
using Microsoft.Extensions.Logging;

namespace MetaClip.Dashboard;

/// <summary>
/// Records this silo's published URL in <see cref="ISiloUrlRegistryGrain"/> once the silo is active, and again every
/// <see cref="Interval"/> while it runs, so that the other silos keep letting its pages read for a while after it is
/// gone. A failed attempt is tried again after <see cref="RetryDelay"/>; the silo runs on meanwhile (only a page of this
/// silo that outlives it depends on it).
/// </summary>
internal sealed partial class SiloUrlRegistration(IGrainFactory grains, string url, ILogger<SiloUrlRegistration> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How often a silo registers again (well inside <see cref="SiloUrlRegistryGrain.Lifetime"/>).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private Task _registering = Task.CompletedTask;
    private bool _firstTime = true;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SiloUrlRegistration), ServiceLifecycleStage.Active,
            _ =>
            {
                _registering = Task.Run(RegisterAsync, CancellationToken.None);
                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync();
                await _registering;
            });
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RegisterAsync()
    {
        int failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                await grains.GetGrain<ISiloUrlRegistryGrain>(0).Register(url);
                if (failures > 0 || _firstTime)
                {
                    LogRegistered(logger, url);
                }

                _firstTime = false;
                failures = 0;
                next = Interval;
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return; // the silo stops: the call failed with it
            }
            catch (Exception e)
            {
                // Said once per run of failures (the registry's storage may be down for a while), with the first reason.
                if (failures++ == 0)
                {
                    LogNotRegistered(logger, e, url);
                }

                next = RetryDelay;
            }

            try
            {
                await Task.Delay(next, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return; // the silo stops
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded this silo's dashboard origin {Url} in the cluster: the other silos serve its pages' requests, also for an hour after it is gone")]
    private static partial void LogRegistered(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record this silo's dashboard origin {Url} in the cluster (trying again every 10 s): once this silo is gone, the other silos will refuse its pages (no CORS)")]
    private static partial void LogNotRegistered(ILogger logger, Exception exception, string url);
}
