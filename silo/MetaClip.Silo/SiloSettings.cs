namespace MetaClip.Silo;

/// <summary>
/// The silo's settings, from the <c>MetaClip</c> configuration section: appsettings.json, environment
/// variables (<c>MetaClip__SiloPort=11112</c>) or the command line (<c>--MetaClip:SiloPort 11112</c>).
/// </summary>
public sealed class SiloSettings
{
    public string ClusterId { get; set; } = "metaclip-local";

    public string ServiceId { get; set; } = "metaclip";

    /// <summary>Silo-to-silo port on loopback.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (<c>metaclip submit --cluster</c>) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The silo port of the cluster's first silo, which the others join through (localhost clustering).</summary>
    public int PrimarySiloPort { get; set; } = 11111;
}
