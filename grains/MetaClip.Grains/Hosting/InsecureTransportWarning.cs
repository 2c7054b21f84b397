using Microsoft.Extensions.Logging;

namespace MetaClip.Grains.Hosting;

/// <summary>
/// Logs, at every start of a silo whose plain (no TLS) silo and gateway ports can be reached from other machines,
/// that this was allowed on purpose (<see cref="ClusterSettings.AllowInsecureTransport"/>).
/// </summary>
internal sealed partial class InsecureTransportWarning(ILogger<InsecureTransportWarning> logger, ClusterSettings settings) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(InsecureTransportWarning), ServiceLifecycleStage.First, _ =>
        {
            LogInsecure(logger, settings.SiloPort, settings.GatewayPort, settings.AdvertisedAddress, settings.ListenOnAnyAddress);
            return Task.CompletedTask;
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "INSECURE TRANSPORT (MetaClip:AllowInsecureTransport=true): silo port {SiloPort} and gateway port {GatewayPort} on {Address} (every address: {ListenOnAnyAddress}) have no TLS and no authentication; anyone who reaches them can submit and cancel jobs")]
    private static partial void LogInsecure(ILogger logger, int siloPort, int gatewayPort, string address, bool listenOnAnyAddress);
}
