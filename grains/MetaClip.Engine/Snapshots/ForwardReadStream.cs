namespace MetaClip.Engine.Snapshots;

/// <summary>
/// A stream that is only read, front to back (a slice of a file, a decompressor): what such a stream does not do is said
/// once, here. A subclass reads in <see cref="Read(Span{byte})"/> (and <c>ReadAsync</c> where it can do better than the
/// base's), and gives its <see cref="Length"/> and <see cref="Position"/> where it knows them.
/// </summary>
internal abstract class ForwardReadStream : Stream
{
    public sealed override bool CanRead => true;

    public sealed override bool CanSeek => false;

    public sealed override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public sealed override void Flush()
    {
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
