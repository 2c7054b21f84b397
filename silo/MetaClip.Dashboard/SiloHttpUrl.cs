using System.Net;
using Microsoft.Extensions.Configuration;

namespace MetaClip.Dashboard;

/// <summary>
/// A silo's HTTP URL as the other silos' pages reach it: published in the silo's metadata under <see cref="MetadataKey"/>,
/// so that a page whose silo is lost reconnects to another.
/// </summary>
public static class SiloHttpUrl
{
    /// <summary>The silo metadata key (<c>Orleans:Metadata:http</c>).</summary>
    public const string MetadataKey = "http";

    /// <summary>
    /// The first of <paramref name="urls"/> (<c>--urls</c>: <c>;</c>-separated) with a wildcard host (<c>*</c>, <c>+</c>,
    /// <c>0.0.0.0</c>, <c>[::]</c>) replaced by <paramref name="advertised"/>; null without URLs.
    /// </summary>
    public static string? Of(string? urls, IPAddress advertised)
    {
        ArgumentNullException.ThrowIfNull(advertised);
        string? first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null || !Uri.TryCreate(first.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal),
            UriKind.Absolute, out var uri))
        {
            return null;
        }

        string host = uri.Host is "wildcard" or "0.0.0.0" or "[::]" or "::" ? (advertised.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{advertised}]" : advertised.ToString()) : uri.Host;
        return $"{uri.Scheme}://{host}:{uri.Port}";
    }

    /// <summary>
    /// This silo's URL from its configuration: <c>MetaClip:Http:PublicUrl</c> when set (behind a proxy or ingress), else
    /// <c>--urls</c>, else <c>ASPNETCORE_HTTP_PORTS</c> (the .NET container images), on <paramref name="advertised"/>.
    /// </summary>
    public static string? FromConfiguration(IConfiguration configuration, IPAddress advertised)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration["MetaClip:Http:PublicUrl"] is { Length: > 0 } publicUrl)
        {
            return publicUrl.TrimEnd('/');
        }

        string? port = configuration["http_ports"]?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return Of(configuration["urls"] ?? (port is null ? null : "http://*:" + port), advertised);
    }
}
