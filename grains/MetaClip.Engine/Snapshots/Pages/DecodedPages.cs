namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>Which page a <see cref="DecodedPages"/> entry is: its file, column and place, and what its header says of it.</summary>
internal readonly record struct DecodedPageKey(string Source, long FileBytes, string Column, long Body, int CompressedSize, int UncompressedSize, int Values);

/// <summary>
/// Pages that several row ranges of one column chunk read, kept decoded (docs/formats.md, "Reading Parquet by pages"):
/// a chunk's dictionary, which every range of a split row group needs, and a data page that a range stopped inside,
/// where the next range starts. Read again by each range, a 2M-row group whose dictionary page is 13 MB, split into 200
/// ranges, decompressed 2.6 GB of dictionary a pass. The range that reads to the chunk's end drops its dictionary, and
/// the range that reads a kept page to its end drops the page, so what is kept follows the pages being read, not the
/// row groups read before. Entries are never changed once kept, so ranges on several threads share them. At most
/// <c>capacityBytes</c> are kept (the least recently used go first; a page larger than that is not kept), each for at
/// most <c>maxIdleMilliseconds</c> unused; an entry is used only under the same key and only if the file still holds the
/// first and last bytes of the page as stored.
/// </summary>
internal sealed class DecodedPages(long capacityBytes, long maxIdleMilliseconds)
{
    /// <summary>How many stored bytes at each end of a page are compared with the file before its entry is used.</summary>
    internal const int EndBytes = 64;

    private readonly Dictionary<DecodedPageKey, Entry> _entries = [];
    private long _bytes;

    /// <summary>
    /// The process's pages: 16 MiB per core, at least 64 MiB and at most 512 MiB (a silo reads about as many ranges at
    /// once as it has cores, each of up to four columns).
    /// </summary>
    public static DecodedPages Shared { get; } = new(Math.Clamp(16L * Environment.ProcessorCount, 64, 512) << 20, maxIdleMilliseconds: 60_000);

    /// <summary>The bytes of the pages of <paramref name="source"/> kept now.</summary>
    public long BytesOf(string source)
    {
        lock (_entries)
        {
            long bytes = 0;
            foreach (var (key, entry) in _entries)
            {
                if (key.Source == source)
                {
                    bytes += entry.Bytes;
                }
            }

            return bytes;
        }
    }

    /// <summary>
    /// The kept page of <paramref name="key"/> (whose file length is <paramref name="stream"/>'s), if there is one and
    /// <paramref name="stream"/> still holds the ends of its stored bytes.
    /// </summary>
    public T? Get<T>(DecodedPageKey key, Stream stream)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        Entry? entry;
        lock (_entries)
        {
            DropIdle();
            if (!_entries.TryGetValue(key, out entry))
            {
                return null;
            }

            entry.UsedAt = Environment.TickCount64;
        }

        if (entry.Value is not T value || !EndsAsBefore(stream, key, entry.Head, entry.Tail))
        {
            lock (_entries)
            {
                if (_entries.TryGetValue(key, out var now) && ReferenceEquals(now, entry))
                {
                    Remove(key, entry);
                }
            }

            return null;
        }

        return value;
    }

    /// <summary>
    /// Keeps <paramref name="value"/> (never changed afterwards), about <paramref name="bytes"/> in memory, as the page of
    /// <paramref name="key"/>, whose stored bytes are <paramref name="stored"/>; the least recently used pages make room.
    /// </summary>
    public void Keep(DecodedPageKey key, object value, long bytes, ReadOnlySpan<byte> stored)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (bytes > capacityBytes || stored.Length != key.CompressedSize)
        {
            return;
        }

        int ends = Math.Min(EndBytes, stored.Length);
        var entry = new Entry(value, bytes, stored[..ends].ToArray(), stored[^ends..].ToArray()) { UsedAt = Environment.TickCount64 };
        lock (_entries)
        {
            DropIdle();
            if (_entries.TryGetValue(key, out var old))
            {
                Remove(key, old);
            }

            while (_bytes + bytes > capacityBytes && _entries.Count > 0)
            {
                var oldest = _entries.MinBy(e => e.Value.UsedAt);
                Remove(oldest.Key, oldest.Value);
            }

            _entries[key] = entry;
            _bytes += bytes;
        }
    }

    /// <summary>Drops the page of <paramref name="key"/>: the range that read it last is the last that needs it.</summary>
    public void Forget(DecodedPageKey key)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                Remove(key, entry);
            }
        }
    }

    /// <summary>Whether the page's stored bytes in <paramref name="stream"/> still begin with <paramref name="head"/> and end with <paramref name="tail"/>.</summary>
    private static bool EndsAsBefore(Stream stream, DecodedPageKey key, byte[] head, byte[] tail)
    {
        Span<byte> now = stackalloc byte[EndBytes];
        stream.Seek(key.Body, SeekOrigin.Begin);
        if (stream.ReadAtLeast(now[..head.Length], head.Length, throwOnEndOfStream: false) != head.Length || !now[..head.Length].SequenceEqual(head))
        {
            return false;
        }

        stream.Seek(key.Body + key.CompressedSize - tail.Length, SeekOrigin.Begin);
        return stream.ReadAtLeast(now[..tail.Length], tail.Length, throwOnEndOfStream: false) == tail.Length && now[..tail.Length].SequenceEqual(tail);
    }

    private void Remove(DecodedPageKey key, Entry entry)
    {
        _entries.Remove(key);
        _bytes -= entry.Bytes;
    }

    private void DropIdle()
    {
        long now = Environment.TickCount64;
        List<DecodedPageKey>? idle = null;
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.UsedAt > maxIdleMilliseconds)
            {
                (idle ??= []).Add(key);
            }
        }

        foreach (var key in idle ?? [])
        {
            Remove(key, _entries[key]);
        }
    }

    private sealed record Entry(object Value, long Bytes, byte[] Head, byte[] Tail)
    {
        public long UsedAt { get; set; }
    }
}
