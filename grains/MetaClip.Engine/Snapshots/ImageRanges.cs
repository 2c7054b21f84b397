using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// Cuts a sequence of rows into ranges of about a given length that never separate two rows of one image — the one
/// rule of both splitters (<see cref="JsonlSplitter"/>: bytes of lines; <see cref="ParquetSplitter"/>: rows of a row
/// group). Rows come in order, each with its position and a 64-bit fingerprint of its uuid (0: the row joins no image).
/// Each fingerprint is noted with the range it was first seen in, and one seen again after a split joins the ranges
/// back from that one; a collision can only join ranges that did not need it. Memory: one
/// <see cref="FingerprintTable"/> slot per distinct image.
/// </summary>
internal sealed class ImageRanges(long rangeLength, int firstLine = 1)
{
    /// <summary>
    /// How many rows ahead a splitter asks for a row's slot (<see cref="Prefetch"/>): enough rows to cover a miss's
    /// latency, few enough that the slots are still cached when their rows come.
    /// </summary>
    public const int PrefetchDistance = 16;

    /// <summary>A range being built: where it starts, its first line, and the first fingerprint serial it owns.</summary>
    private readonly record struct OpenRange(long Start, int FirstLine, int Serial);

    // Fingerprint → serial of the range it was seen in. Serials only grow; a range owns the serials from its own
    // up to the next live range's, so joining ranges needs no rewrite of the table.
    private readonly FingerprintTable _seen = new();
    private readonly List<OpenRange> _ranges = [new(0, firstLine, 0)];
    private int _serial;
    private ulong _previous;

    /// <summary>The fingerprint of an image's uuid (never 0).</summary>
    public static ulong Fingerprint(string uuid) => Fingerprint(uuid.AsSpan());

    /// <summary>The fingerprint of an image's uuid given as its UTF-16 units (never 0).</summary>
    public static ulong Fingerprint(ReadOnlySpan<char> uuid)
    {
        ulong hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(uuid));
        return hash == 0 ? 1 : hash;
    }

    /// <summary>
    /// A row <see cref="Add"/> will be given soon (some rows ahead): its fingerprint's slot is fetched into the cache
    /// meanwhile (<see cref="FingerprintTable.Prefetch"/>). Only a hint; it changes nothing.
    /// </summary>
    public void Prefetch(ulong fingerprint)
    {
        if (fingerprint != 0)
        {
            _seen.Prefetch(fingerprint);
        }
    }

    /// <summary>The next row: it starts at <paramref name="start"/> (line <paramref name="line"/>, for messages).</summary>
    public void Add(long start, int line, ulong fingerprint)
    {
        if (fingerprint == 0)
        {
            return;
        }

        var current = _ranges[^1];
        bool seen = _seen.TryGetSerial(fingerprint, out int serial);
        if (start - current.Start >= rangeLength && fingerprint != _previous && !(seen && serial >= current.Serial) && _serial < FingerprintTable.MaxSerial)
        {
            _ranges.Add(current = new OpenRange(start, line, ++_serial));
        }

        if (seen && serial < current.Serial)
        {
            // The image began in an earlier range: join every range since that one.
            int owner = OwnerOf(serial);
            _ranges.RemoveRange(owner + 1, _ranges.Count - owner - 1);
        }
        else if (!seen)
        {
            _seen.Add(fingerprint, _serial);
        }

        _previous = fingerprint;
    }

    /// <summary>
    /// The index of the range that owns <paramref name="serial"/>. A loop, not <c>FindLastIndex</c> with a lambda: the
    /// lambda's closure was allocated on every <see cref="Add"/>, once per row of a file being split.
    /// </summary>
    private int OwnerOf(int serial)
    {
        int owner = _ranges.Count - 1;
        while (owner >= 0 && _ranges[owner].Serial > serial)
        {
            owner--;
        }

        return owner;
    }

    /// <summary>The ranges, the last one ending at <paramref name="length"/>.</summary>
    public UnitRange[] Ranges(long length)
    {
        var result = new UnitRange[_ranges.Count];
        for (int i = 0; i < result.Length; i++)
        {
            long end = i + 1 < _ranges.Count ? _ranges[i + 1].Start : length;
            result[i] = new UnitRange(_ranges[i].Start, end, _ranges[i].FirstLine);
        }

        return result;
    }
}
