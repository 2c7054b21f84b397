using System.Runtime.CompilerServices;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// Splits a large JSON Lines file into byte ranges of about a given size (docs/formats.md, "Grouping"), so that its
/// work spreads over several shards and each shard's memory stays bounded. A range ends only at a line boundary,
/// and never between two rows of one image: the file is read once, each line's uuid (read, or derived from the url)
/// is fingerprinted with the range it fell in, and a uuid seen again after a split joins the ranges back from the one
/// it was first seen in. So the ranges group rows into images exactly as the whole file does, and outputs do not
/// change. A fingerprint collision can only join ranges that did not need it (never split an image).
/// Memory: one fingerprint per distinct image of the file (10–20 bytes each, <see cref="FingerprintTable"/>) while the
/// file is read. The file is read in buffers of 4 MiB, the next one while the last one's lines are worked on; the lines
/// of a buffer are fingerprinted on all cores (a fingerprint depends only on its line), then taken in file order, each
/// row's table slot fetched some rows ahead. Reading, finding the lines and taking them in order each stay on one thread.
/// </summary>
public static class JsonlSplitter
{
    private const int BufferBytes = 4 << 20;

    /// <summary>The fewest lines a core is given to fingerprint: a buffer of fewer lines is done on one thread.</summary>
    private const int LinesPerPiece = 2_048;

    /// <summary>
    /// The ranges of <paramref name="file"/> for units of about <paramref name="rangeBytes"/> bytes; one range (the
    /// whole file) when it is not larger than that, or when its images leave no place to split.
    /// </summary>
    public static Task<IReadOnlyList<UnitRange>> SplitAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, long rangeBytes, CancellationToken cancellationToken) =>
        SplitAsync(store, file, columns, rangeBytes, new SplitReading(BufferBytes, LinesPerPiece, Environment.ProcessorCount), cancellationToken);

    /// <summary>
    /// <see cref="SplitAsync(DataStore, SnapshotFile, SnapshotColumns, long, CancellationToken)"/> read as
    /// <paramref name="reading"/> says (for tests: small buffers, many small pieces).
    /// </summary>
    internal static async Task<IReadOnlyList<UnitRange>> SplitAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, long rangeBytes, SplitReading reading,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reading.BufferBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reading.LinesPerPiece, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reading.MaxPieces, 1);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(rangeBytes, 1);
        try
        {
            await using var stored = await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false);
            await using var text = file.Format == SnapshotFormat.JsonlGzip ? new GzipMembers(stored, leaveOpen: true) : stored;
            var splitter = new Splitter(columns, rangeBytes, reading);
            await splitter.ReadAsync(text, cancellationToken).ConfigureAwait(false);
            return splitter.Ranges();
        }
        catch (InvalidDataException e)
        {
            throw new CurationException($"snapshot file {file.Name}: not a valid gzip file: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CurationException($"snapshot file {file.Name}: cannot be read: {e.Message}", e);
        }
    }

    /// <summary>How a file is read to be split: the first buffer's size, and a buffer's lines in at most <c>MaxPieces</c> pieces of at least <c>LinesPerPiece</c> lines.</summary>
    internal readonly record struct SplitReading(int BufferBytes, int LinesPerPiece, int MaxPieces);

    private sealed class Splitter(SnapshotColumns columns, long rangeBytes, SplitReading reading)
    {
        private readonly ImageRanges _ranges = new(rangeBytes);
        private readonly List<(int Start, int Length)> _lines = [];
        private ulong[] _fingerprints = [];
        private char[][] _units = [];
        private long _length;

        public async Task ReadAsync(Stream text, CancellationToken cancellationToken)
        {
            // Two buffers: while the lines of one are fingerprinted and taken, the next one is filled on a pool thread (a
            // gzip stream inflates as it is read), so the reading, one stream and so one thread, overlaps the rest.
            var buffer = new byte[reading.BufferBytes];
            var next = new byte[reading.BufferBytes];
            int filled = await text.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            bool atEnd = filled < buffer.Length; // the buffer is filled whole (a gzip stream gives a few kilobytes a read)
            long offset = 0; // file offset of buffer[0]
            int line = 1;
            Task<int>? filling = null;
            try
            {
                while (true)
                {
                    int position = FindLines(buffer, filled, atEnd);
                    int rest = filled - position;
                    if (!atEnd)
                    {
                        // The partial line starts the next buffer: twice as large when one line did not fit, else room for it
                        // and a buffer's worth more. A buffer grown for a long line is let go once it is not needed, so a
                        // long line costs its buffer once, not twice.
                        int size = position == 0 && rest == buffer.Length ? checked(buffer.Length * 2) : Math.Max(reading.BufferBytes, rest + reading.BufferBytes);
                        if (next.Length < size || next.Length > 2L * size)
                        {
                            next = []; // the old one can go before the new one is made
                            next = new byte[size];
                        }

                        buffer.AsSpan(position, rest).CopyTo(next);
                        var target = next.AsMemory(rest);
                        filling = Task.Run(() => text.ReadAtLeastAsync(target, target.Length, throwOnEndOfStream: false, cancellationToken).AsTask(), cancellationToken);
                    }

                    line = TakeLines(buffer, offset, line, cancellationToken);
                    if (atEnd)
                    {
                        _length = offset + filled;
                        return;
                    }

                    int read = await filling!.ConfigureAwait(false);
                    filling = null;
                    atEnd = read < next.Length - rest;
                    offset += position;
                    filled = rest + read;
                    (buffer, next) = (next, buffer);
                }
            }
            finally
            {
                // A split stopped by an error or a cancellation leaves no read running on the stream it closes.
                if (filling is not null)
                {
                    await ((Task)filling).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }

        /// <summary>
        /// Notes the lines of <c>buffer[..filled]</c> that end in it (and, at the end of the file, the last one even without
        /// a newline); returns where the first line not noted starts.
        /// </summary>
        private int FindLines(byte[] buffer, int filled, bool atEnd)
        {
            int position = 0;
            while (true)
            {
                int newline = buffer.AsSpan(position, filled - position).IndexOf((byte)'\n');
                if (newline < 0 && !atEnd)
                {
                    return position;
                }

                int end = newline < 0 ? filled : position + newline;
                if (end > position || newline >= 0)
                {
                    _lines.Add((position, end - position));
                }

                position = newline < 0 ? filled : end + 1;
                if (newline < 0)
                {
                    return position;
                }
            }
        }

        /// <summary>
        /// Fingerprints the lines found in <paramref name="buffer"/> (on all cores when there are enough of them) and adds
        /// them to the ranges in file order; returns the number of the next line.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int TakeLines(byte[] buffer, long offset, int line, CancellationToken cancellationToken)
        {
            int count = _lines.Count;
            if (_fingerprints.Length < count)
            {
                _fingerprints = new ulong[Math.Max(count, _fingerprints.Length * 2)];
            }

            int pieces = Math.Clamp(count / reading.LinesPerPiece, 1, reading.MaxPieces);
            if (_units.Length < pieces)
            {
                _units = [.. _units, .. Enumerable.Range(0, pieces - _units.Length).Select(_ => new char[256])];
            }

            if (pieces == 1)
            {
                FingerprintLines(buffer, offset, 0, count, ref _units[0]);
            }
            else
            {
                try
                {
                    Parallel.For(0, pieces, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = pieces },
                        piece => FingerprintLines(buffer, offset, (int)((long)count * piece / pieces), (int)((long)count * (piece + 1) / pieces), ref _units[piece]));
                }
                catch (AggregateException e) when (e.InnerExceptions.Count == 1)
                {
                    // As on one thread: the piece's own exception, not a wrapper.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
                }
            }

            for (int i = 0; i < count; i++)
            {
                if (i + ImageRanges.PrefetchDistance < count)
                {
                    _ranges.Prefetch(_fingerprints[i + ImageRanges.PrefetchDistance]);
                }

                // 0 (blank, or no uuid): it joins no image (or the reader reports it).
                _ranges.Add(offset + _lines[i].Start, line++, _fingerprints[i]);
            }

            _lines.Clear();
            return line;
        }

        private void FingerprintLines(byte[] buffer, long offset, int from, int to, ref char[] units)
        {
            for (int i = from; i < to; i++)
            {
                var (start, length) = _lines[i];
                var data = buffer.AsSpan(start, length);
                if (offset + start == 0 && data.StartsWith("\uFEFF"u8))
                {
                    data = data[3..];
                }

                _fingerprints[i] = LineFingerprint.Of(data, columns, ref units);
            }
        }

        public UnitRange[] Ranges() => _ranges.Ranges(_length);
    }
}
