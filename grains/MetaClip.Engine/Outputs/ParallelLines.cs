using System.Buffers;
using System.Text;

namespace MetaClip.Outputs;

/// <summary>
/// Writes many text lines fast and in order: slices of items are formatted and UTF-8 encoded in parallel,
/// then their bytes are written one slice after another.
/// </summary>
public static class ParallelLines
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Appends <paramref name="count"/> items to <paramref name="stream"/>; <paramref name="append"/> writes item i (with its newline).</summary>
    public static async Task WriteAsync(Stream stream, int count, Action<StringBuilder, int> append, int threads, CancellationToken cancellationToken, int slice = 8192)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(append);
        var parts = new byte[(count + slice - 1) / slice][];
        var lengths = new int[parts.Length];
        try
        {
            Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken }, part =>
            {
                int begin = part * slice, end = Math.Min(count, (part + 1) * slice);
                var text = new StringBuilder((end - begin) * 128);
                for (int i = begin; i < end; i++)
                {
                    append(text, i);
                }

                // Pooled: these buffers are large, and fresh ones would each be a large-object allocation.
                var bytes = ArrayPool<byte>.Shared.Rent(Utf8.GetMaxByteCount(text.Length));
                int length = 0;
                foreach (var chunk in text.GetChunks())
                {
                    length += Utf8.GetBytes(chunk.Span, bytes.AsSpan(length));
                }

                parts[part] = bytes;
                lengths[part] = length;
            });
            for (int part = 0; part < parts.Length; part++)
            {
                await stream.WriteAsync(parts[part].AsMemory(0, lengths[part]), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var bytes in parts)
            {
                if (bytes is not null)
                {
                    ArrayPool<byte>.Shared.Return(bytes);
                }
            }
        }
    }
}
