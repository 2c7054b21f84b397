using System.Runtime.CompilerServices;
using System.Text;
using MetaClip.Engine.Json;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Curation;

/// <summary>
/// The intermediate of a shard between the two passes: what pass 2 needs of pass 1 but can not read again from the
/// snapshot — per matched text its row, image, place among the image's texts, language, LID label and entry ids
/// (7-bit varints, rows and ids delta-coded) — and the unit's figures. Texts, urls, keys and uuids are not kept:
/// pass 2 reads them from the unit again (<see cref="UnitMatches.WithTexts"/>), so an intermediate takes a few bytes
/// per matched text whatever the texts' length. Files of the first version (<c>MCM1</c>, with texts) still read.
/// </summary>
public static class UnitMatchesCodec
{
    private const uint MagicWithTexts = 0x4D434D31; // "MCM1"
    private const uint Magic = 0x4D434D32; // "MCM2"

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(Stream stream, UnitMatches unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(unit.Unit.File.Path);
        w.Write(unit.Unit.File.Name);
        w.Write((int)unit.Unit.File.Format);
        w.Write(unit.Unit.RowGroup);
        w.Write(unit.Unit.Range is not null);
        if (unit.Unit.Range is UnitRange range)
        {
            w.Write7BitEncodedInt64(range.Start);
            w.Write7BitEncodedInt64(range.End);
            w.Write7BitEncodedInt(range.FirstLine);
        }

        w.Write7BitEncodedInt(unit.Rows);
        w.Write7BitEncodedInt(unit.SkippedTexts);
        w.WriteText(unit.ImageColumn);
        w.Write7BitEncodedInt(unit.Images.Count);
        w.Write(unit.HasKeys);
        w.Write7BitEncodedInt(unit.Languages.Count);
        foreach (var (language, tally) in unit.Languages.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            w.Write(language);
            w.Write7BitEncodedInt64(tally.Texts);
            w.Write7BitEncodedInt64(tally.MatchedTexts);
        }

        // Languages and LID labels of matched texts by number, in order of first use. The varints go into a buffer written
        // out whole when full: a stream's WriteByte per byte was most of an encoding's time.
        var languages = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        w.Write7BitEncodedInt(unit.Matched.Count);
        w.Flush();
        var chunk = new VarintChunk(stream);
        try
        {
            int previousRow = 0;
            foreach (var m in unit.Matched)
            {
                chunk.Reserve(VarintChunk.TextBytes);
                chunk.Put((uint)(m.Row - previousRow));
                previousRow = m.Row;
                chunk.Put((uint)m.Image);
                chunk.Put((uint)m.TextIndex);
                WriteNumbered(ref chunk, languages, m.Language);
                WriteNumbered(ref chunk, labels, m.LidLabel);
                var ids = unit.IdsOf(m);
                chunk.Put((uint)ids.Length);
                int previousId = 0;
                foreach (int id in ids)
                {
                    chunk.Reserve(VarintChunk.MaxVarintBytes);
                    chunk.Put((uint)(id - previousId));
                    previousId = id;
                }
            }

            chunk.Flush();
        }
        finally
        {
            chunk.Return();
        }
    }

    /// <summary>A string by its number, written out the first time it is used (number = count so far), as <see cref="BinaryWriter"/> writes a string.</summary>
    private static void WriteNumbered(ref VarintChunk chunk, Dictionary<string, int> numbers, string value)
    {
        if (numbers.TryGetValue(value, out int number))
        {
            chunk.Put((uint)number);
            return;
        }

        number = numbers.Count;
        numbers[value] = number;
        chunk.Put((uint)number);
        int length = Encoding.UTF8.GetByteCount(value);
        chunk.Reserve(length + VarintChunk.TextBytes); // the string, and the rest of the text's fixed fields
        chunk.Put((uint)length);
        chunk.PutBytes(value, length);
    }

    /// <summary>
    /// Varints (<see cref="BinaryWriter.Write7BitEncodedInt(int)"/>'s bytes) gathered in a rented buffer and written to the
    /// stream a buffer at a time.
    /// </summary>
    private struct VarintChunk(Stream stream)
    {
        public const int MaxVarintBytes = 5;

        /// <summary>Room for a text's fixed fields: six varints (row, image, place, language, label, id count).</summary>
        public const int TextBytes = 6 * MaxVarintBytes;

        private byte[] _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 << 10);
        private int _length;

        /// <summary>Makes room for <paramref name="bytes"/> more, writing out what is gathered when needed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Reserve(int bytes)
        {
            if (_length + bytes > _buffer.Length)
            {
                Grow(bytes);
            }
        }

        private void Grow(int bytes)
        {
            Flush();
            if (bytes > _buffer.Length)
            {
                var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes); // before the old one goes back: Return runs once
                System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
        }

        /// <summary>One varint; <see cref="Reserve"/> made room for it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(uint value)
        {
            var buffer = _buffer;
            int at = _length;
            while (value >= 0x80)
            {
                buffer[at++] = (byte)(value | 0x80);
                value >>= 7;
            }

            buffer[at++] = (byte)value;
            _length = at;
        }

        public void PutBytes(string value, int length)
        {
            Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length, length));
            _length += length;
        }

        public void Flush()
        {
            stream.Write(_buffer, 0, _length);
            _length = 0;
        }

        public readonly void Return() => System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
    }

    public static UnitMatches Read(Stream stream, string source)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            return r.ReadUInt32() switch
            {
                Magic => ReadCompact(r),
                MagicWithTexts => ReadWithTexts(r),
                _ => throw new CurationException($"intermediate {source}: not a shard matches file of this version"),
            };
        }
        catch (EndOfStreamException e)
        {
            throw new CurationException($"intermediate {source}: truncated", e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException or ArgumentException)
        {
            throw new CurationException($"intermediate {source}: damaged: {e.Message}", e);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static UnitMatches ReadCompact(BinaryReader r)
    {
        var file = new SnapshotFile(r.ReadString(), r.ReadString(), (SnapshotFormat)r.ReadInt32());
        int rowGroup = r.ReadInt32();
        UnitRange? range = r.ReadBoolean() ? new UnitRange(r.Read7BitEncodedInt64(), r.Read7BitEncodedInt64(), r.Read7BitEncodedInt()) : null;
        int rows = r.Read7BitEncodedInt(), skipped = r.Read7BitEncodedInt();
        string? imageColumn = r.ReadText();
        int images = r.Read7BitEncodedInt();
        bool hasKeys = r.ReadBoolean();
        var languages = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
        for (int i = r.Read7BitEncodedInt(); i > 0; i--)
        {
            languages[r.ReadString()] = new LanguageTally { Texts = r.Read7BitEncodedInt64(), MatchedTexts = r.Read7BitEncodedInt64() };
        }

        var languageNames = new List<string>();
        var labelNames = new List<string>();
        int matchedCount = r.Read7BitEncodedInt();
        // The matched texts are read from the stream's bytes as a span: a BinaryReader's ReadByte per byte was most of
        // a read's time.
        byte[]? copied = null;
        long restAt = r.BaseStream.CanSeek ? r.BaseStream.Position : -1;
        var rest = RestOf(r.BaseStream, ref copied);
        var v = new VarintReader(rest);
        if (matchedCount < 0 || matchedCount > rest.Length / 6)
        {
            ReturnCopy(copied);
            throw new InvalidDataException($"{matchedCount} matched texts in {rest.Length} bytes"); // six varints at least each
        }

        var matched = new MatchedText[matchedCount];
        // The ids grow in a rented buffer and are copied once into an array of their count: a list's doublings would be
        // large-object garbage at every unit read back.
        var ids = System.Buffers.ArrayPool<int>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(16L, matched.Length * 8L)));
        int idCount = 0;
        try
        {
            int row = 0;
            for (int i = 0; i < matched.Length; i++)
            {
                row += v.Int();
                int image = v.Int(), textIndex = v.Int();
                string language = ReadNumbered(ref v, languageNames), label = ReadNumbered(ref v, labelNames);
                int count = v.Int(), start = idCount, id = 0;
                if (count < 0 || count > Array.MaxLength - idCount || count > rest.Length - v.Position)
                {
                    throw new InvalidDataException($"a text with {count} entry ids");
                }

                if (idCount + count > ids.Length)
                {
                    var larger = System.Buffers.ArrayPool<int>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)ids.Length * 2, (long)idCount + count)));
                    ids.AsSpan(0, idCount).CopyTo(larger);
                    System.Buffers.ArrayPool<int>.Shared.Return(ids);
                    ids = larger;
                }

                for (int k = 0; k < count; k++)
                {
                    id += v.Int();
                    ids[idCount++] = id;
                }

                matched[i] = new MatchedText(row, image, textIndex, language, label, start, count, string.Empty, null, null);
            }

            if (restAt >= 0)
            {
                r.BaseStream.Position = restAt + v.Position; // just after the unit, as a reader of the stream would leave it
            }

            return new UnitMatches
            {
                Unit = new SnapshotUnit(file, rowGroup, range),
                Rows = rows,
                SkippedTexts = skipped,
                Images = new string[images],
                Matched = matched,
                Ids = ids.AsSpan(0, idCount).ToArray(),
                Languages = languages,
                ImageColumn = imageColumn,
                HasTexts = false,
                HasKeys = hasKeys,
                OwnsMatched = true,
            };
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(ids);
            ReturnCopy(copied);
        }
    }

    private static void ReturnCopy(byte[]? copied)
    {
        if (copied is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(copied);
        }
    }

    /// <summary>
    /// The bytes of <paramref name="stream"/> from its position on: the array of a memory stream that shows it, else a
    /// copy in <paramref name="copied"/> (rented; the caller returns it) of the stream read to its end.
    /// </summary>
    private static ReadOnlySpan<byte> RestOf(Stream stream, ref byte[]? copied)
    {
        if (stream is MemoryStream memory && memory.TryGetBuffer(out var buffer))
        {
            return buffer.AsSpan((int)memory.Position, (int)(memory.Length - memory.Position));
        }

        copied = System.Buffers.ArrayPool<byte>.Shared.Rent(stream.CanSeek ? (int)Math.Min(Array.MaxLength, Math.Max(0, stream.Length - stream.Position)) : 64 << 10);
        int length = 0;
        while (true)
        {
            if (length == copied.Length)
            {
                var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(16, copied.Length * 2));
                copied.AsSpan(0, length).CopyTo(larger);
                System.Buffers.ArrayPool<byte>.Shared.Return(copied);
                copied = larger;
            }

            int read = stream.Read(copied, length, copied.Length - length);
            if (read == 0)
            {
                return copied.AsSpan(0, length);
            }

            length += read;
        }
    }

    private static string ReadNumbered(ref VarintReader v, List<string> values)
    {
        int number = v.Int();
        if (number < values.Count)
        {
            return values[number];
        }

        if (number != values.Count)
        {
            throw new InvalidDataException($"string number {number} out of order");
        }

        string value = v.String();
        values.Add(value);
        return value;
    }

    /// <summary>Reads what <see cref="BinaryWriter"/> writes as <c>Write7BitEncodedInt</c> and <c>Write(string)</c>, from a span.</summary>
    private ref struct VarintReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly int Position => _at;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Int()
        {
            uint result = 0;
            for (int shift = 0; shift < 28; shift += 7)
            {
                byte b = Next();
                result |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return (int)result;
                }
            }

            byte last = Next();
            if (last > 0b1111)
            {
                throw new FormatException("Too many bytes in what should have been a 7-bit encoded integer.");
            }

            return (int)(result | ((uint)last << 28));
        }

        public string String()
        {
            int length = Int();
            if (length < 0)
            {
                throw new InvalidDataException($"a string of {length} bytes");
            }

            if (length > _bytes.Length - _at)
            {
                throw new EndOfStreamException();
            }

            string value = Encoding.UTF8.GetString(_bytes.Slice(_at, length));
            _at += length;
            return value;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private byte Next()
        {
            if ((uint)_at >= (uint)_bytes.Length)
            {
                throw new EndOfStreamException();
            }

            return _bytes[_at++];
        }
    }

    private static UnitMatches ReadWithTexts(BinaryReader r)
    {
        var file = new SnapshotFile(r.ReadString(), r.ReadString(), (SnapshotFormat)r.ReadInt32());
        var unit = new SnapshotUnit(file, r.ReadInt32());
        int rows = r.ReadInt32(), skipped = r.ReadInt32();
        string? imageColumn = r.ReadText();
        var images = new string[r.ReadInt32()];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = r.ReadText()!;
        }

        var languages = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
        for (int i = r.ReadInt32(); i > 0; i--)
        {
            languages[r.ReadString()] = new LanguageTally { Texts = r.ReadInt64(), MatchedTexts = r.ReadInt64() };
        }

        var matched = new MatchedText[r.ReadInt32()];
        for (int i = 0; i < matched.Length; i++)
        {
            matched[i] = new MatchedText(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadString(), r.ReadText()!,
                r.ReadInt32(), r.ReadInt32(), r.ReadText()!, r.ReadText(), r.ReadText());
        }

        var ids = new int[r.ReadInt32()];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = r.ReadInt32();
        }

        return new UnitMatches
        {
            Unit = unit,
            Rows = rows,
            SkippedTexts = skipped,
            Images = images,
            Matched = matched,
            Ids = ids,
            Languages = languages,
            ImageColumn = imageColumn,
        };
    }
}
