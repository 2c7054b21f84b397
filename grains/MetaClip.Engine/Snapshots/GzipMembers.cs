using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// A gzip file (RFC 1952) decompressed member after member, each checked against its trailer: the CRC-32 and the length
/// of its data. .NET's <see cref="GZipStream"/> returns what it could decode and no error when a file ends inside a
/// member (a download or a writer cut short), when a member's trailer is missing, or when something other than a member
/// follows one: a <c>.jsonl.gz</c> cut at a line's end would be curated as a smaller snapshot, without a word. This one
/// throws <see cref="InvalidDataException"/> instead, saying what is wrong and at which member. Nothing may follow the last
/// member (gzip warns of trailing bytes, zero padding too); an empty file is not a gzip file. A file cut exactly between
/// two members is a whole gzip file of fewer members: nothing can tell.
/// </summary>
/// <remarks>
/// Each member's deflate data is inflated by a <see cref="DeflateStream"/> that reads through <see cref="Feed"/>. The
/// inflater asks for more input only once it has used all it was given, so its data ends inside the last chunk it was
/// given; the trailer is the first place from that chunk's start that holds the member's CRC-32 and length and is
/// followed by the file's end or a member's header (a false match inside the deflate data has a chance of at most 2⁻⁶⁴ a byte),
/// and the next member starts right after it.
/// </remarks>
internal sealed class GzipMembers : Stream
{
    private const int Id1 = 0x1F, Id2 = 0x8B, Deflate = 8;
    private const int FlagHeaderCrc = 2, FlagExtra = 4, FlagName = 8, FlagComment = 16;

    private readonly Feed _feed;
    private readonly bool _leaveOpen;
    private readonly Crc32 _crc = new();
    private DeflateStream? _member;
    private long _memberLength;
    private int _members;
    private bool _ended;

    public GzipMembers(Stream compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        _feed = new Feed(compressed);
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // The sync path runs the same steps with sync reads (each ValueTask below completes at once).
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int read = Completed(ReadCoreAsync(rented.AsMemory(0, buffer.Length), async: false, CancellationToken.None));
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, async: true, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _member?.Dispose();
            if (!_leaveOpen)
            {
                _feed.Compressed.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (!_ended)
        {
            if (_member is null)
            {
                if (!await StartMemberAsync(async, cancellationToken).ConfigureAwait(false))
                {
                    _ended = true;
                    break;
                }
            }

            int read = async ? await _member!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) : _member!.Read(buffer.Span);
            if (read > 0)
            {
                _crc.Append(buffer.Span[..read]);
                _memberLength += read;
                return read;
            }

            await EndMemberAsync(async, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Reads the next member's header; false at the end of the file.</summary>
    private async ValueTask<bool> StartMemberAsync(bool async, CancellationToken cancellationToken)
    {
        if (!await _feed.FillAsync(1, async, cancellationToken).ConfigureAwait(false))
        {
            if (_members == 0)
            {
                throw new InvalidDataException("the file is empty, not a gzip file");
            }

            return false;
        }

        int id1 = await NextAsync(async, cancellationToken).ConfigureAwait(false);
        int id2 = await NextAsync(async, cancellationToken).ConfigureAwait(false);
        int method = await NextAsync(async, cancellationToken).ConfigureAwait(false);
        if (id1 != Id1 || id2 != Id2 || method != Deflate)
        {
            throw new InvalidDataException(_members == 0
                ? "it does not start with a gzip header (1f 8b 08)"
                : $"bytes other than a gzip member follow member {_members}: the file is corrupt");
        }

        int flags = await NextAsync(async, cancellationToken).ConfigureAwait(false);
        await SkipAsync(6, async, cancellationToken).ConfigureAwait(false); // modification time, extra flags, OS
        if ((flags & FlagExtra) != 0)
        {
            int length = await NextAsync(async, cancellationToken).ConfigureAwait(false);
            length |= await NextAsync(async, cancellationToken).ConfigureAwait(false) << 8;
            await SkipAsync(length, async, cancellationToken).ConfigureAwait(false);
        }

        for (int text = FlagName; text <= FlagComment; text <<= 1)
        {
            if ((flags & text) != 0)
            {
                // A zero-terminated file name, then a zero-terminated comment.
                while (await NextAsync(async, cancellationToken).ConfigureAwait(false) != 0)
                {
                }
            }
        }

        if ((flags & FlagHeaderCrc) != 0)
        {
            await SkipAsync(2, async, cancellationToken).ConfigureAwait(false);
        }

        _members++;
        _crc.Reset();
        _memberLength = 0;
        _feed.StartChunks();
        _member = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    /// <summary>The inflater stopped: checks that its member ended with a trailer that matches, and steps past it.</summary>
    private async ValueTask EndMemberAsync(bool async, CancellationToken cancellationToken)
    {
        _member!.Dispose();
        _member = null;
        if (_feed.Starved)
        {
            // The inflater wanted more and the file had no more: the member was cut short.
            throw new InvalidDataException($"the file ends inside gzip member {_members}, after {_memberLength:N0} bytes of its data: it is truncated");
        }

        byte[] trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), unchecked((uint)_memberLength));
        // The trailer, and what follows it: the file's end or the next member's header (1f 8b 08).
        await _feed.FillAsync(_feed.LastChunkLength + trailer.Length + 3, async, cancellationToken).ConfigureAwait(false);
        switch (_feed.SkipPastTrailer(trailer))
        {
            case TrailerFound.FollowedByOther:
                throw new InvalidDataException($"bytes other than a gzip member follow member {_members}: the file is corrupt");
            case TrailerFound.No:
                throw new InvalidDataException($"gzip member {_members}: its data does not match its trailer (CRC-32 and length), or the file ends in the trailer: the file is corrupt or truncated");
        }
    }

    /// <summary>The result of a step run with sync reads, which completes before it returns.</summary>
    private static T Completed<T>(ValueTask<T> step) =>
        step.IsCompleted ? step.Result : throw new InvalidOperationException("a gzip step run with sync reads did not complete at once");

    private async ValueTask<int> NextAsync(bool async, CancellationToken cancellationToken)
    {
        if (!await _feed.FillAsync(1, async, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException($"the file ends inside the header of gzip member {_members + 1}: it is truncated");
        }

        return _feed.Take();
    }

    private async ValueTask SkipAsync(int count, bool async, CancellationToken cancellationToken)
    {
        for (int i = 0; i < count; i++)
        {
            await NextAsync(async, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The compressed bytes, read ahead in buffers: the header and trailer are taken from it byte by byte, and the
    /// inflater reads the deflate data from it in chunks, of which the last is remembered to find where the data ended.
    /// </summary>
    private sealed class Feed(Stream compressed) : Stream
    {
        private byte[] _buffer = new byte[64 << 10];
        private int _start;
        private int _end;
        private byte[] _lastChunk = [];
        private int _lastChunkLength;

        public Stream Compressed => compressed;

        /// <summary>Whether the file has given its last byte (a read returned none).</summary>
        public bool SawEnd { get; private set; }

        /// <summary>Whether the inflater of this member asked for bytes when the file had none left.</summary>
        public bool Starved { get; private set; }

        /// <summary>Bytes read from the file and not yet taken.</summary>
        public int Available => _end - _start;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public int Take() => _buffer[_start++];

        /// <summary>A member's deflate data starts here: no chunk of it was given yet.</summary>
        public void StartChunks()
        {
            _lastChunkLength = 0;
            Starved = false;
        }

        /// <summary>Reads until at least <paramref name="count"/> bytes are available, or the file ends; false if fewer are.</summary>
        public async ValueTask<bool> FillAsync(int count, bool async, CancellationToken cancellationToken)
        {
            while (Available < count && !SawEnd)
            {
                if (_start > 0)
                {
                    _buffer.AsSpan(_start, Available).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }

                if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                int read = async
                    ? await compressed.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false)
                    : compressed.Read(_buffer.AsSpan(_end));
                SawEnd = read == 0;
                _end += read;
            }

            return Available >= count;
        }

        private static ReadOnlySpan<byte> MemberStart => [Id1, Id2, Deflate];

        /// <summary>How many bytes the inflater was given last, all of which lie before what is available now.</summary>
        public int LastChunkLength => _lastChunkLength;

        /// <summary>
        /// Finds <paramref name="trailer"/> where the inflater's data ended, and makes the bytes after it the next to be
        /// taken. The data ended inside the last chunk the inflater was given (or at its end):
        /// the trailer is the first place from the chunk's start that holds it and is followed by the file's end or by a
        /// member's header. (A place before the true one can hold it too when the trailer repeats itself, as the eight
        /// zero bytes of an empty member do; what follows such a place is the trailer's own rest, not a header.)
        /// </summary>
        public TrailerFound SkipPastTrailer(ReadOnlySpan<byte> trailer)
        {
            var found = TrailerFound.No;
            // Nothing was taken since the last chunk was given, so the chunk and the bytes not yet taken are one piece
            // of the file.
            var window = new byte[_lastChunkLength + Available];
            _lastChunk.AsSpan(0, _lastChunkLength).CopyTo(window);
            _buffer.AsSpan(_start, Available).CopyTo(window.AsSpan(_lastChunkLength));
            for (int at = 0; at <= _lastChunkLength && at + trailer.Length <= window.Length; at++)
            {
                int next = at + trailer.Length;
                var after = window.AsSpan(next);
                if (!window.AsSpan(at, trailer.Length).SequenceEqual(trailer))
                {
                    continue;
                }

                // The file's end, or a header (the start of one where the file ends: its header is then found cut short).
                var header = MemberStart[..Math.Min(after.Length, MemberStart.Length)];
                if (!(SawEnd ? after.StartsWith(header) : after.Length >= MemberStart.Length && after.StartsWith(MemberStart)))
                {
                    found = TrailerFound.FollowedByOther;
                    continue;
                }

                if (next >= _lastChunkLength)
                {
                    _start += next - _lastChunkLength;
                }
                else
                {
                    // The next member began inside the chunk the inflater read: those bytes come back first.
                    if (after.Length > _buffer.Length)
                    {
                        _buffer = new byte[after.Length * 2];
                    }

                    after.CopyTo(_buffer);
                    _start = 0;
                    _end = after.Length;
                }

                _lastChunkLength = 0;
                return TrailerFound.Yes;
            }

            return found;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Completed(FillAsync(1, async: false, CancellationToken.None));
            return Give(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await FillAsync(1, async: true, cancellationToken).ConfigureAwait(false);
            return Give(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <summary>Gives the inflater a chunk of what is available, and remembers it.</summary>
        private int Give(Span<byte> buffer)
        {
            int count = Math.Min(buffer.Length, Available);
            if (count == 0)
            {
                Starved = true;
                return 0;
            }

            var chunk = _buffer.AsSpan(_start, count);
            chunk.CopyTo(buffer);
            if (_lastChunk.Length < count)
            {
                _lastChunk = new byte[count];
            }

            chunk.CopyTo(_lastChunk);
            _lastChunkLength = count;
            _start += count;
            return count;
        }
    }
}

/// <summary>Whether a member's trailer was found where its data ended, and followed by the file's end or a member.</summary>
internal enum TrailerFound
{
    No,
    FollowedByOther,
    Yes,
}
