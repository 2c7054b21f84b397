using System.Text;

namespace MetaClip.Engine.Snapshots;

/// <summary>docs/curation-spec.md §6: without a uuid column, an image's uuid is the first 24 lower-case hex digits of SHA-224(url).</summary>
public static class ImageUuid
{
    public static string FromUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        byte[] digest = Sha224.Hash(Encoding.UTF8.GetBytes(url));
        return Convert.ToHexStringLower(digest, 0, 12);
    }
}
