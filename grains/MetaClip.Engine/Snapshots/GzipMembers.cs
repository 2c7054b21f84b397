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
/// member (gzip warns of trailing bytes, zero padding too); an empty file is not a gzip file. A header's own CRC (FHCRC) is
/// checked where a member has one, and a member that sets a reserved flag is refused. A file cut exactly between
/// two members is a whole gzip file of fewer members: nothing can tell.
/// </summary>
/// <remarks>
/// Each member's deflate data is inflated by a <see cref="DeflateStream"/> that reads through <see cref="Feed"/>. The
/// inflater asks for more input only once it has used all it was given, so its data ends inside the last chunk it was
/// given; the trailer is the first place from that chunk's start that holds the member's CRC-32 and length and is
/// followed by the file's end or a member's header (a false match inside the deflate data has a chance of at most 2⁻⁶⁴ a
/// byte), and the next member starts right after it. A trailer that repeats itself (an empty member's is eight zero
/// bytes) can match a few bytes early; then the place is checked by inflating the member's bytes again up to it.
/// </remarks>
internal sealed class GzipMembers : ForwardReadStream
{
    private const int Id1 = 0x1F, Id2 = 0x8B, Deflate = 8;
    private const int FlagHeaderCrc = 2, FlagExtra = 4, FlagName = 8, FlagComment = 16, FlagsReserved = 0xE0;

    private readonly Feed _feed;
    private readonly bool _leaveOpen;
    private readonly Crc32 _crc = new();
    private readonly Crc32 _headerCrc = new();
    private DeflateStream? _member;
    private long _memberLength;
    private int _members;
    private bool _ended;
    private bool _failed;

    public GzipMembers(Stream compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        _feed = new Feed(compressed);
        _leaveOpen = leaveOpen;
    }

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
        if (_failed)
        {
            throw new InvalidOperationException("this gzip stream failed or was cancelled part way; open the file again");
        }

        try
        {
            return await ReadMembersAsync(buffer, async, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (Fail())
        {
            throw; // not reached: Fail notes the failure and lets the exception go on as it is
        }
    }

    /// <summary>Notes that a read failed part way (its member, header or trailer half read): no later read may go on.</summary>
    private bool Fail()
    {
        _failed = true;
        return false;
    }

    private async ValueTask<int> ReadMembersAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
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

        _headerCrc.Reset();
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
        if ((flags & FlagsReserved) != 0)
        {
            // RFC 1952: a reader must refuse a member that sets a reserved flag (what follows the header is unknown).
            throw new InvalidDataException($"gzip member {_members + 1} sets reserved header flags (0x{flags:x2}): the file is corrupt or not a gzip file this reader knows");
        }

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
            // The header's own check: the low 16 bits of the CRC-32 of every header byte before it.
            uint expected = _headerCrc.GetCurrentHashAsUInt32() & 0xFFFF;
            int stored = await NextAsync(async, cancellationToken).ConfigureAwait(false);
            stored |= await NextAsync(async, cancellationToken).ConfigureAwait(false) << 8;
            if (stored != expected)
            {
                throw new InvalidDataException($"the header of gzip member {_members + 1} does not match its header CRC (0x{stored:x4}, computed 0x{expected:x4}): the file is corrupt");
            }
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
        await _feed.FillAsync(trailer.Length + MemberStart.Length, async, cancellationToken).ConfigureAwait(false);
        bool followedByOther = false;
        var window = _feed.LastChunkAndAfter;
        for (int at = 0; at <= _feed.LastChunkLength && at + trailer.Length <= window.Length; at++)
        {
            if (!window.Slice(at, trailer.Length).SequenceEqual(trailer))
            {
                continue;
            }

            // The file's end, or a header (the start of one where the file ends: its header is then found cut short).
            var after = window[(at + trailer.Length)..];
            var header = MemberStart[..Math.Min(after.Length, MemberStart.Length)];
            if (!(_feed.SawEnd ? after.StartsWith(header) : after.Length >= MemberStart.Length && after.StartsWith(MemberStart)))
            {
                followedByOther = true;
                continue;
            }

            if (RepeatsItself(trailer) && !EndsAt(at))
            {
                // A trailer that repeats itself (the eight zero bytes of an empty member) can also match a few bytes
                // early, where the data's last bytes and the trailer's first ones look like it.
                continue;
            }

            _feed.GoOnFrom(at + trailer.Length);
            return;
        }

        throw new InvalidDataException(followedByOther
            ? $"bytes other than a gzip member follow member {_members}: the file is corrupt"
            : $"gzip member {_members}: its data does not match its trailer (CRC-32 and length), or the file ends in the trailer: the file is corrupt or truncated");
    }

    private static ReadOnlySpan<byte> MemberStart => [Id1, Id2, Deflate];

    /// <summary>Whether the trailer's bytes shifted by 1 to 7 places match themselves where they overlap.</summary>
    private static bool RepeatsItself(ReadOnlySpan<byte> trailer)
    {
        for (int shift = 1; shift < trailer.Length; shift++)
        {
            if (trailer[shift..].SequenceEqual(trailer[..^shift]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether this member's deflate data ends exactly at <paramref name="at"/> bytes from the last chunk's start: inflated
    /// again from the member's start, the bytes before that place finish the data and one byte fewer do not. The feed
    /// keeps a member's first 64 KiB for this; for a longer member (a trailer that repeats itself there comes by a chance
    /// of about 2⁻³², as its CRC-32 would have to) the place cannot be checked, and the file is refused.
    /// </summary>
    private bool EndsAt(int at)
    {
        var member = _feed.MemberSoFar;
        if (member.IsEmpty && _feed.LastChunkLength > 0)
        {
            throw new InvalidDataException($"gzip member {_members}: its trailer repeats itself, and where its data ends cannot be told: the file is refused");
        }

        int end = _feed.LastChunkOffset + at;
        return !WantsMore(member[..end]) && (end == 0 || WantsMore(member[..(end - 1)]));
    }

    /// <summary>Whether deflate data that starts with <paramref name="deflate"/> goes on after it.</summary>
    private static bool WantsMore(ReadOnlySpan<byte> deflate)
    {
        var feed = new Feed(new MemoryStream(deflate.ToArray(), writable: false));
        feed.StartChunks();
        using var inflater = new DeflateStream(feed, CompressionMode.Decompress, leaveOpen: true);
        byte[] scratch = new byte[16 << 10];
        while (inflater.Read(scratch) > 0)
        {
        }

        return feed.Starved;
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

        int next = _feed.Take();
        _headerCrc.Append([(byte)next]);
        return next;
    }

    private async ValueTask SkipAsync(int count, bool async, CancellationToken cancellationToken)
    {
        for (int i = 0; i < count; i++)
        {
            await NextAsync(async, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The compressed bytes, read ahead in a buffer: the header is taken from it byte by byte, and the inflater reads the
    /// deflate data from it in chunks. The last chunk stays in the buffer until the next one is given (filling moves only
    /// the bytes from its start on), so that the trailer can be looked for from where the chunk began; so does a member's
    /// deflate data while it is at most 64 KiB long, to check where it ends when its trailer repeats itself.
    /// </summary>
    private sealed class Feed(Stream compressed) : ForwardReadStream
    {
        private byte[] _buffer = new byte[64 << 10];
        private int _start;
        private int _end;
        private const int MemberKept = 64 << 10;
        private int _chunkStart;
        private int _chunkLength;
        private int _memberStart = -1;

        public Stream Compressed => compressed;

        /// <summary>Whether the file has given its last byte (a read returned none).</summary>
        public bool SawEnd { get; private set; }

        /// <summary>Whether the inflater of this member asked for bytes when the file had none left.</summary>
        public bool Starved { get; private set; }

        /// <summary>Bytes read from the file and not yet taken.</summary>
        public int Available => _end - _start;

        /// <summary>The last chunk given to the inflater, then what is available after it.</summary>
        public ReadOnlySpan<byte> LastChunkAndAfter => _buffer.AsSpan(_chunkStart, _end - _chunkStart);

        public int LastChunkLength => _chunkLength;

        /// <summary>The member's deflate data from its start, while it is at most 64 KiB long (else empty).</summary>
        public ReadOnlySpan<byte> MemberSoFar => _memberStart < 0 ? [] : _buffer.AsSpan(_memberStart, _end - _memberStart);

        /// <summary>Where the last chunk starts in <see cref="MemberSoFar"/>.</summary>
        public int LastChunkOffset => _chunkStart - _memberStart;

        public int Take() => _buffer[_start++];

        /// <summary>A member's deflate data starts here: no chunk of it was given yet.</summary>
        public void StartChunks()
        {
            _memberStart = _start;
            _chunkStart = _start;
            _chunkLength = 0;
            Starved = false;
        }

        /// <summary>The member's trailer was found: the next byte to take is <paramref name="offset"/> bytes from the last chunk's start.</summary>
        public void GoOnFrom(int offset)
        {
            _start = _chunkStart + offset;
            _chunkStart = _start;
            _chunkLength = 0;
            _memberStart = -1;
        }

        /// <summary>Reads until at least <paramref name="count"/> bytes are available, or the file ends; false if fewer are.</summary>
        public async ValueTask<bool> FillAsync(int count, bool async, CancellationToken cancellationToken)
        {
            while (Available < count && !SawEnd)
            {
                if (_memberStart >= 0 && _start - _memberStart > MemberKept)
                {
                    _memberStart = -1;
                }

                int keep = Math.Min(Math.Min(_chunkStart, _start), _memberStart < 0 ? int.MaxValue : _memberStart); // the last chunk (and a short member) stays
                if (keep > 0)
                {
                    _buffer.AsSpan(keep, _end - keep).CopyTo(_buffer);
                    _start -= keep;
                    _chunkStart -= keep;
                    _memberStart -= _memberStart < 0 ? 0 : keep;
                    _end -= keep;
                }

                if (_end == _buffer.Length)
                {
                    // Only when what is kept and what is asked for do not fit: the buffer stays within 64 KiB and a chunk
                    // of its size.
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

        /// <summary>Gives the inflater a chunk of what is available, and remembers where it lies.</summary>
        private int Give(Span<byte> buffer)
        {
            int count = Math.Min(buffer.Length, Available);
            if (count == 0)
            {
                Starved = true;
                return 0;
            }

            _buffer.AsSpan(_start, count).CopyTo(buffer);
            _chunkStart = _start;
            _chunkLength = count;
            _start += count;
            return count;
        }
    }
}
