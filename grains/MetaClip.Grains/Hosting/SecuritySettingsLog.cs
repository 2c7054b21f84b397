using MetaClip.Grains.Curation;
using Microsoft.Extensions.Logging;

namespace MetaClip.Grains.Hosting;

/// <summary>
/// Says at every start of a silo host what its security settings leave open: mutual TLS and the certificate this
/// silo presents, or plain (no TLS) silo and gateway ports
/// that other machines can reach, allowed on purpose (<see cref="ClusterSettings.AllowInsecureTransport"/>), and the
/// locations jobs may use (<see cref="ClusterSettings.AllowedLocations"/>; none: every job is refused).
/// </summary>
internal sealed partial class SecuritySettingsLog(ILogger<SecuritySettingsLog> logger, ClusterSettings settings, AllowedLocations locations, TlsCertificates? certificates) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SecuritySettingsLog), ServiceLifecycleStage.First, _ =>
        {
            if (certificates is not null)
            {
                var certificate = certificates.Certificate;
                string subject = certificate.Subject;
                var notAfter = certificate.NotAfter.ToUniversalTime();
                var tls = settings.ResolveTls();
                string caFile = tls.CaFile ?? string.Empty;
                var siloSubjects = tls.ResolveSiloSubjects();
                string silos = siloSubjects.Count > 0 ? string.Join(", ", siloSubjects) : certificates.Principal + " (this silo's own)";
                LogTls(logger, settings.SiloPort, settings.GatewayPort, subject, notAfter, caFile, silos);
            }
            else if (settings.ExposesTransport())
            {
                LogInsecure(logger, settings.SiloPort, settings.GatewayPort, settings.AdvertisedAddress, settings.ListenOnAnyAddress);
            }

            if (locations.Roots is { Count: 0 })
            {
                LogNoLocations(logger);
            }
            else if (locations.Roots is { } roots)
            {
                string joined = string.Join("; ", roots);
                LogLocations(logger, joined);
            }

            return Task.CompletedTask;
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "INSECURE TRANSPORT (MetaClip:AllowInsecureTransport=true): silo port {SiloPort} and gateway port {GatewayPort} on {Address} (every address: {ListenOnAnyAddress}) have no TLS and no authentication; anyone who reaches them can submit and cancel jobs")]
    private static partial void LogInsecure(ILogger logger, int siloPort, int gatewayPort, string address, bool listenOnAnyAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mutual TLS on silo port {SiloPort} and gateway port {GatewayPort}: this silo presents {Subject} (valid until {NotAfter:u}); peers must present a certificate signed by the CA in {CaFile}, and on the silo port one named as a silo (MetaClip:Tls:SiloSubjects: {SiloSubjects})")]
    private static partial void LogTls(ILogger logger, int siloPort, int gatewayPort, string subject, DateTime notAfter, string caFile, string siloSubjects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MetaClip:AllowedLocations is not set: every job is refused until it names the folders and az:// prefixes jobs may use")]
    private static partial void LogNoLocations(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Jobs may use only these locations (MetaClip:AllowedLocations): {Roots}")]
    private static partial void LogLocations(ILogger logger, string roots);
}
