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
        Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken }, part =>
        {
            var text = new StringBuilder(slice * 128);
            for (int i = part * slice, end = Math.Min(count, (part + 1) * slice); i < end; i++)
            {
                append(text, i);
            }

            var bytes = new byte[Utf8.GetMaxByteCount(text.Length)];
            int length = 0;
            foreach (var chunk in text.GetChunks())
            {
                length += Utf8.GetBytes(chunk.Span, bytes.AsSpan(length));
            }

            Array.Resize(ref bytes, length);
            parts[part] = bytes;
        });
        foreach (var bytes in parts)
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }
}
