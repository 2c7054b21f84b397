using MetaClip.Engine.Snapshots.Pages;

namespace MetaClip.Engine.Snapshots;

/// <summary>Which gzip file a <see cref="GzipRead"/> decompresses: its path and length.</summary>
internal readonly record struct GzipFileKey(string Path, long Bytes);

/// <summary>
/// A <c>.jsonl.gz</c> file decompressed as a stream that counts its bytes (<see cref="Place"/>) and can stop after one
/// shard's byte range and be gone on with by the next shard (<see cref="Pool"/>). Gzip has no index to seek by, so a
/// shard's range was found by decompressing the file from its start: a file split into n shards cost about n/2
/// decompressions of the file a pass. Kept, the inflater goes on from where the last range stopped. It reads the file
/// at its own offsets (<see cref="SliceStream"/>), so each shard's stream can take over.
/// </summary>
internal sealed class GzipRead : ForwardReadStream, IResumableRead
{
    private readonly SliceStream _file;
    private readonly GzipMembers _gzip;
    private bool _ended;

    private GzipRead(Stream stored)
    {
        _file = new SliceStream(stored, 0, stored.Length);
        _gzip = new GzipMembers(_file, leaveOpen: true);
    }

    /// <summary>
    /// The reads of this process left part way, each about 120 KiB of inflater state and buffers (64 KiB of them the
    /// compressed bytes read ahead), for at most a minute unused: two per core, at least 8 and at most 64.
    /// </summary>
    public static ResumableReadPool<GzipFileKey, GzipRead> Pool { get; } =
        new(capacity: Math.Clamp(2 * Environment.ProcessorCount, 8, 64), maxIdleMilliseconds: 60_000);

    /// <summary>Decompresses <paramref name="stored"/> (seekable) from its start.</summary>
    public static GzipRead Open(Stream stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new GzipRead(stored);
    }

    /// <summary>Decompressed bytes read so far.</summary>
    public long Place { get; private set; }

    public bool Finished => _ended;

    public bool ResumeOn(Stream stream) => _file.ResumeOn(stream);

    public override long Position { get => Place; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer) => Count(_gzip.Read(buffer), buffer.Length);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await _gzip.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read, int asked)
    {
        Place += read;
        _ended |= read == 0 && asked > 0;
        return read;
    }
}
