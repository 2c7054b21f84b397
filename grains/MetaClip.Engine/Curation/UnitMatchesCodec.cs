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

        // Languages and LID labels of matched texts by number, in order of first use.
        var languages = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        w.Write7BitEncodedInt(unit.Matched.Count);
        int previousRow = 0;
        foreach (var m in unit.Matched)
        {
            w.Write7BitEncodedInt(m.Row - previousRow);
            previousRow = m.Row;
            w.Write7BitEncodedInt(m.Image);
            w.Write7BitEncodedInt(m.TextIndex);
            WriteNumbered(w, languages, m.Language);
            WriteNumbered(w, labels, m.LidLabel);
            var ids = unit.IdsOf(m);
            w.Write7BitEncodedInt(ids.Length);
            int previousId = 0;
            foreach (int id in ids)
            {
                w.Write7BitEncodedInt(id - previousId);
                previousId = id;
            }
        }
    }

    /// <summary>A string by its number, written out the first time it is used (number = count so far).</summary>
    private static void WriteNumbered(BinaryWriter w, Dictionary<string, int> numbers, string value)
    {
        if (numbers.TryGetValue(value, out int number))
        {
            w.Write7BitEncodedInt(number);
            return;
        }

        number = numbers.Count;
        numbers[value] = number;
        w.Write7BitEncodedInt(number);
        w.Write(value);
    }

    private static string ReadNumbered(BinaryReader r, List<string> values)
    {
        int number = r.Read7BitEncodedInt();
        if (number < values.Count)
        {
            return values[number];
        }

        if (number != values.Count)
        {
            throw new InvalidDataException($"string number {number} out of order");
        }

        string value = r.ReadString();
        values.Add(value);
        return value;
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
        var matched = new MatchedText[r.Read7BitEncodedInt()];
        // The ids grow in a rented buffer and are copied once into an array of their count: a list's doublings would be
        // large-object garbage at every unit read back.
        var ids = System.Buffers.ArrayPool<int>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(16L, matched.Length * 8L)));
        int idCount = 0;
        try
        {
            int row = 0;
            for (int i = 0; i < matched.Length; i++)
            {
                row += r.Read7BitEncodedInt();
                int image = r.Read7BitEncodedInt(), textIndex = r.Read7BitEncodedInt();
                string language = ReadNumbered(r, languageNames), label = ReadNumbered(r, labelNames);
                int count = r.Read7BitEncodedInt(), start = idCount, id = 0;
                if (count < 0 || count > Array.MaxLength - idCount)
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
                    id += r.Read7BitEncodedInt();
                    ids[idCount++] = id;
                }

                matched[i] = new MatchedText(row, image, textIndex, language, label, start, count, string.Empty, null, null);
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
