using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MetaClip.Dashboard;

/// <summary>A web origin as the dashboard compares them: <c>scheme://host:port</c>, lower case, the port always written.</summary>
public static class SiloOrigin
{
    /// <summary>The origin of an absolute http(s) URL (or of an <c>Origin</c> header); false for anything else.</summary>
    public static bool TryOf(string? url, [NotNullWhen(true)] out string? origin)
    {
        origin = null;
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return false;
        }

        origin = string.Create(CultureInfo.InvariantCulture, $"{uri.Scheme}://{uri.Host.ToLowerInvariant()}:{uri.Port}");
        return true;
    }
}
