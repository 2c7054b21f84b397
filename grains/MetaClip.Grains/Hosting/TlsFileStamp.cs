namespace MetaClip.Grains.Hosting;

/// <summary>
/// When a certificate file (or the file a link leads to: a Kubernetes secret volume swaps links) was written and how
/// long it is, with those of its key file: a change means a rotation.
/// </summary>
internal readonly record struct TlsFileStamp(DateTime Written, long Length, DateTime OtherWritten = default, long OtherLength = 0)
{
    public static TlsFileStamp Of(string file)
    {
        try
        {
            var info = new FileInfo(file);
            var target = info.Exists ? info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info : info;
            return target.Exists ? new TlsFileStamp(target.LastWriteTimeUtc, target.Length) : default;
        }
        catch (IOException)
        {
            // Missing, or being swapped: no stamp, so the next look reads the file again.
            return default;
        }
    }

    public TlsFileStamp With(TlsFileStamp other) => this with { OtherWritten = other.Written, OtherLength = other.Length };
}
