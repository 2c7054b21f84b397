using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MetaClip.Dashboard;

/// <summary>
/// The browser's session after a login: <c>v1.EXPIRES.NONCE.MAC</c>, where MAC is an HMAC-SHA256 of the rest keyed by
/// the SHA-256 hash of the key that logged in. Every silo holding that key's hash checks it without shared state (a page
/// that moves to another silo stays logged in); it holds neither the key nor its hash, and expires by itself.
/// </summary>
public static class SessionCookie
{
    /// <summary>The cookie's name (HttpOnly, SameSite=Strict).</summary>
    public const string Name = "metaclip_session";

    /// <summary>How long a login lasts.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>A new session for the key whose SHA-256 hash is <paramref name="keyHash"/>, valid until <paramref name="expires"/>.</summary>
    public static string Create(byte[] keyHash, DateTimeOffset expires)
    {
        ArgumentNullException.ThrowIfNull(keyHash);
        string payload = string.Create(CultureInfo.InvariantCulture, $"v1.{expires.ToUnixTimeSeconds()}.{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16))}");
        return payload + "." + Base64Url.EncodeToString(Mac(keyHash, payload));
    }

    /// <summary>
    /// Whether <paramref name="cookie"/> is a session of the key hashed <paramref name="keyHash"/> that has not expired
    /// at <paramref name="now"/> (the MAC compared in constant time).
    /// </summary>
    public static bool Matches(string cookie, byte[] keyHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        ArgumentNullException.ThrowIfNull(keyHash);
        int last = cookie.LastIndexOf('.');
        string[] parts = cookie.Split('.');
        if (parts.Length != 4 || parts[0] != "v1" || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long expires)
            || expires < now.ToUnixTimeSeconds() || !Base64Url.IsValid(parts[3]))
        {
            return false;
        }

        byte[] mac = Base64Url.DecodeFromChars(parts[3]);
        return CryptographicOperations.FixedTimeEquals(mac, Mac(keyHash, cookie[..last]));
    }

    /// <summary>The CSRF token of a session: what its pages send with an action (derived, so no server keeps it).</summary>
    public static string CsrfToken(string cookie) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes("metaclip-csrf|" + cookie)));

    private static byte[] Mac(byte[] keyHash, string payload) => HMACSHA256.HashData(keyHash, Encoding.UTF8.GetBytes(payload));
}
