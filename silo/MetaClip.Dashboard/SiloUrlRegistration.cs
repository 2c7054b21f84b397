using MetaClip.GrainInterfaces;
using Microsoft.Extensions.Logging;

namespace MetaClip.Dashboard;

/// <summary>
/// Records this silo's published URL in <see cref="ISiloUrlRegistryGrain"/> once the silo is active, so that the other
/// silos keep letting its pages read after it is gone. Tried again for a while when the cluster's storage does not
/// answer; the silo runs on meanwhile (only a page of this silo that outlives it depends on it).
/// </summary>
internal sealed partial class SiloUrlRegistration(IGrainFactory grains, string url, ILogger<SiloUrlRegistration> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);
    private const int Attempts = 30;

    private readonly CancellationTokenSource _stopping = new();
    private Task _registering = Task.CompletedTask;

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
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await grains.GetGrain<ISiloUrlRegistryGrain>(0).Register(url);
                LogRegistered(logger, url);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (attempt == Attempts)
                {
                    LogNotRegistered(logger, e, url, attempt);
                    return;
                }

                LogRetrying(logger, url, attempt, e.Message);
            }

            try
            {
                await Task.Delay(RetryDelay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return; // the silo stops
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded this silo's dashboard origin {Url} in the cluster: the other silos serve its pages' requests, also after it is gone")]
    private static partial void LogRegistered(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record this silo's dashboard origin {Url} in the cluster (attempt {Attempt}, trying again in 10 s): {Reason}")]
    private static partial void LogRetrying(ILogger logger, string url, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up recording this silo's dashboard origin {Url} in the cluster after {Attempts} attempts: while it runs the other silos serve its pages, but once it is gone they will refuse them (no CORS)")]
    private static partial void LogNotRegistered(ILogger logger, Exception exception, string url, int attempts);
}
