using System.IO.Compression;
using System.Text.Json;
using MetaClip.Engine.Json;
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
/// file is read.
/// </summary>
public static class JsonlSplitter
{
    private const int BufferBytes = 4 << 20;

    /// <summary>
    /// The ranges of <paramref name="file"/> for units of about <paramref name="rangeBytes"/> bytes; one range (the
    /// whole file) when it is not larger than that, or when its images leave no place to split.
    /// </summary>
    public static async Task<IReadOnlyList<UnitRange>> SplitAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, long rangeBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(rangeBytes, 1);
        try
        {
            await using var stored = await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false);
            await using var text = file.Format == SnapshotFormat.JsonlGzip ? new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true) : stored;
            var splitter = new Splitter(columns, rangeBytes);
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

    private sealed class Splitter(SnapshotColumns columns, long rangeBytes)
    {
        private readonly ImageRanges _ranges = new(rangeBytes);
        private char[] _units = new char[256];
        private long _length;

        public async Task ReadAsync(Stream text, CancellationToken cancellationToken)
        {
            var buffer = new byte[BufferBytes];
            int filled = 0;
            long offset = 0; // file offset of buffer[0]
            int line = 1;
            while (true)
            {
                int read = await text.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                filled += read;
                int position = 0;
                while (true)
                {
                    int newline = buffer.AsSpan(position, filled - position).IndexOf((byte)'\n');
                    if (newline < 0 && read > 0)
                    {
                        break;
                    }

                    int end = newline < 0 ? filled : position + newline;
                    if (end > position || newline >= 0)
                    {
                        Line(buffer.AsSpan(position, end - position), offset + position, line);
                    }

                    line++;
                    position = newline < 0 ? filled : end + 1;
                    if (newline < 0)
                    {
                        break;
                    }
                }

                if (read == 0)
                {
                    _length = offset + filled;
                    return;
                }

                // Keep the partial line; grow the buffer when one line does not fit.
                int rest = filled - position;
                if (position == 0 && rest == buffer.Length)
                {
                    Array.Resize(ref buffer, checked(buffer.Length * 2));
                }
                else
                {
                    buffer.AsSpan(position, rest).CopyTo(buffer);
                }

                offset += position;
                filled = rest;
            }
        }

        private void Line(ReadOnlySpan<byte> data, long start, int line)
        {
            if (start == 0 && data.StartsWith("\uFEFF"u8))
            {
                data = data[3..];
            }

            _ranges.Add(start, line, Fingerprint(data)); // 0 (blank, or no uuid): it joins no image (or the reader reports it)
        }

        public UnitRange[] Ranges() => _ranges.Ranges(_length);

        /// <summary>A 64-bit fingerprint of the line's uuid (read, or derived from its url as the reader does); 0 for none.</summary>
        /// <remarks>
        /// Runs for every line of every split file, so the uuid is not made into a string: its UTF-16 units are decoded
        /// into a buffer and hashed there (the same bytes <see cref="ImageRanges.Fingerprint(string)"/> hashes). Like
        /// the reader, the last uuid value of a line counts. Escaped values (rare) and urls go through strings.
        /// </remarks>
        private ulong Fingerprint(ReadOnlySpan<byte> data)
        {
            if (data.Trim(" \t\r"u8).IsEmpty)
            {
                return 0;
            }

            ulong uuid = 0;
            string? url = null;
            try
            {
                var reader = new Utf8JsonReader(data);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return 0;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (JsonStrings.NameEquals(ref reader, columns.Uuid))
                    {
                        reader.Read();
                        uuid = reader.TokenType is JsonTokenType.String or JsonTokenType.Number ? ValueFingerprint(ref reader) : 0;
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Url))
                    {
                        reader.Read();
                        url = reader.TokenType == JsonTokenType.String ? JsonStrings.GetString(ref reader) : null;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                return 0; // the reader names the bad line when the unit is read
            }

            if (uuid != 0)
            {
                return uuid;
            }

            // An empty url is a value too: the reader derives one uuid from it for all such rows.
            return url is null ? 0 : ImageRanges.Fingerprint(ImageUuid.FromUrl(url));
        }

        /// <summary>
        /// The fingerprint of the current string or number token's text, as the reader reads it (0 for an empty
        /// string: the reader then derives the uuid from the url).
        /// </summary>
        /// <exception cref="FormatException">Invalid UTF-8.</exception>
        private ulong ValueFingerprint(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped)
            {
                string text = JsonStrings.GetString(ref reader); // only strings have escapes; the line is one span
                return text.Length == 0 ? 0 : ImageRanges.Fingerprint(text);
            }

            var raw = reader.ValueSpan;
            if (raw.IsEmpty)
            {
                return 0;
            }

            if (raw.Length > _units.Length)
            {
                _units = new char[Math.Max(raw.Length, _units.Length * 2)];
            }

            // At most one UTF-16 unit per byte. Strings are strict (as JsonStrings decodes them); a number's bytes are ASCII.
            int length = reader.TokenType == JsonTokenType.String ? JsonStrings.Decode(raw, _units) : System.Text.Encoding.UTF8.GetChars(raw, _units);
            return ImageRanges.Fingerprint(_units.AsSpan(0, length));
        }
    }
}
