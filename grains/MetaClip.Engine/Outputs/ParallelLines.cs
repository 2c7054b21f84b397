using System.Buffers;
using System.Text;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// Writes many text lines fast and in order: slices of items are formatted and UTF-8 encoded in parallel,
/// then their bytes are written one slice after another.
/// </summary>
public static class ParallelLines
{
    private const int Slice = 4096;

    /// <summary>A builder that grew beyond this (very long lines) is not kept.</summary>
    private const int MaxKeptCapacity = 8 << 20;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Counts bytes only: a lone surrogate counts as the 3 bytes of a replacement character instead of failing.</summary>
    private static readonly UTF8Encoding CountingUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Each thread's text buffer, kept between slices: a fresh builder per slice (8,192 lines of ~100–200
    /// characters) was a large-object allocation each time, and the gen-2 collections they caused slowed the
    /// whole process (most on the embedded silo, whose heap holds a job's intermediates).
    /// </summary>
    [ThreadStatic]
    private static StringBuilder? _threadText;

    /// <summary>The capacity <see cref="_threadText"/> was made with (its first and only chunk).</summary>
    [ThreadStatic]
    private static int _threadCapacity;

    [ThreadStatic]
    private static Encoder? _threadEncoder;

    /// <summary>Appends <paramref name="count"/> items to <paramref name="stream"/>; <paramref name="append"/> writes item i (with its newline).</summary>
    public static async Task WriteAsync(Stream stream, int count, Action<StringBuilder, int> append, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var parts = Format(count, append, threads, cancellationToken);
        for (int part = 0; part < parts.Count; part++)
        {
            await stream.WriteAsync(parts[part], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The UTF-8 bytes of <paramref name="count"/> items, in one array of exactly their length.</summary>
    public static byte[] ToArray(int count, Action<StringBuilder, int> append, int threads, CancellationToken cancellationToken) =>
        ToArray([], count, append, threads, cancellationToken);

    /// <summary>
    /// <paramref name="prefix"/>, then the UTF-8 bytes of <paramref name="count"/> items, in one array of exactly their
    /// length (a header before the lines without copying the lines a second time).
    /// </summary>
    public static byte[] ToArray(ReadOnlySpan<byte> prefix, int count, Action<StringBuilder, int> append, int threads, CancellationToken cancellationToken)
    {
        using var parts = Format(count, append, threads, cancellationToken);
        var bytes = GC.AllocateUninitializedArray<byte>(prefix.Length + parts.Length);
        Join(prefix, parts, bytes);
        return bytes;
    }

    /// <summary>
    /// <see cref="ToArray(ReadOnlySpan{byte}, int, Action{StringBuilder, int}, int, CancellationToken)"/>'s bytes in a rented
    /// array (the caller gives it back): for bytes that are written somewhere and then dropped, which would otherwise be a
    /// large object each time.
    /// </summary>
    public static Storage.RentedBytes ToRented(ReadOnlySpan<byte> prefix, int count, Action<StringBuilder, int> append, int threads, CancellationToken cancellationToken)
    {
        using var parts = Format(count, append, threads, cancellationToken);
        var bytes = Storage.RentedBytes.Rent(prefix.Length + parts.Length);
        Join(prefix, parts, bytes.Array);
        return bytes;
    }

    private static void Join(ReadOnlySpan<byte> prefix, FormattedParts parts, byte[] bytes)
    {
        prefix.CopyTo(bytes);
        int offset = prefix.Length;
        for (int part = 0; part < parts.Count; part++)
        {
            parts[part].Span.CopyTo(bytes.AsSpan(offset));
            offset += parts[part].Length;
        }
    }

    private static FormattedParts Format(int count, Action<StringBuilder, int> append, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(append);
        var parts = new FormattedParts((count + Slice - 1) / Slice);
        try
        {
            Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken }, part =>
            {
                int begin = part * Slice, end = Math.Min(count, (part + 1) * Slice);
                if (_threadText is null)
                {
                    _threadCapacity = (end - begin) * 128;
                    _threadText = new StringBuilder(_threadCapacity);
                }

                var text = _threadText;
                text.Clear();
                for (int i = begin; i < end; i++)
                {
                    append(text, i);
                }

                // Pooled: these buffers are large, and fresh ones would each be a large-object allocation. One
                // encoder over all of the builder's chunks: a surrogate pair may straddle two of them.
                // Rented at the size the text needs (not the 3 bytes per character of the worst case): the pool keeps
                // what it is given back, and buffers three times too large made it hold a few hundred megabytes.
                // Counted chunk by chunk without state: a surrogate pair split between two chunks counts as two
                // replacement characters (6 bytes for 4), so the count is never short.
                int size = 0;
                foreach (var chunk in text.GetChunks())
                {
                    size += CountingUtf8.GetByteCount(chunk.Span);
                }

                var bytes = ArrayPool<byte>.Shared.Rent(size);
                var encoder = _threadEncoder ??= Utf8.GetEncoder();
                encoder.Reset();
                int length = 0;
                foreach (var chunk in text.GetChunks())
                {
                    length += encoder.GetBytes(chunk.Span, bytes.AsSpan(length), flush: false);
                }

                length += encoder.GetBytes([], bytes.AsSpan(length), flush: true);

                parts.Set(part, bytes, length);
                if (text.Capacity > MaxKeptCapacity)
                {
                    _threadText = null;
                }
                else if (text.Length > _threadCapacity)
                {
                    // The text outgrew the builder's first chunk: clearing a builder of several chunks allocates a new
                    // array of its whole capacity (a large object) every time, so the next slice gets one chunk that
                    // holds it.
                    _threadCapacity = Math.Min(MaxKeptCapacity, text.Length + (text.Length >> 2));
                    _threadText = new StringBuilder(_threadCapacity);
                }
            });
            return parts;
        }
        catch (Exception)
        {
            parts.Dispose();
            throw;
        }
    }

    /// <summary>The encoded slices, in pooled buffers until disposed.</summary>
    private sealed class FormattedParts(int count) : IDisposable
    {
        private readonly byte[]?[] _buffers = new byte[count][];
        private readonly int[] _lengths = new int[count];

        public int Count => _buffers.Length;

        public int Length => _lengths.Sum();

        public ReadOnlyMemory<byte> this[int part] => _buffers[part].AsMemory(0, _lengths[part]);

        public void Set(int part, byte[] buffer, int length)
        {
            _buffers[part] = buffer;
            _lengths[part] = length;
        }

        public void Dispose()
        {
            for (int part = 0; part < _buffers.Length; part++)
            {
                if (_buffers[part] is { } buffer)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _buffers[part] = null;
                }
            }
        }
    }
}
