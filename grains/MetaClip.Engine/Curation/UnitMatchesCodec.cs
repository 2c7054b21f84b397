using System.Text;
using MetaClip.Engine.Json;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Curation;

/// <summary>
/// The intermediate file of a shard between the two passes: everything pass 2 needs of pass 1 (images,
/// matched texts and their entry ids, per-language figures), in a compact versioned binary form.
/// </summary>
public static class UnitMatchesCodec
{
    private const uint Magic = 0x4D434D31; // "MCM1"

    public static void Write(Stream stream, UnitMatches unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(unit.Unit.File.Path);
        w.Write(unit.Unit.File.Name);
        w.Write((int)unit.Unit.File.Format);
        w.Write(unit.Unit.RowGroup);
        w.Write(unit.Rows);
        w.Write(unit.SkippedTexts);
        w.WriteText(unit.ImageColumn);
        w.Write(unit.Images.Count);
        foreach (string image in unit.Images)
        {
            w.WriteText(image);
        }

        w.Write(unit.Languages.Count);
        foreach (var (language, tally) in unit.Languages.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            w.Write(language);
            w.Write(tally.Texts);
            w.Write(tally.MatchedTexts);
        }

        w.Write(unit.Matched.Count);
        foreach (var m in unit.Matched)
        {
            w.Write(m.Row);
            w.Write(m.Image);
            w.Write(m.TextIndex);
            w.Write(m.Language);
            w.WriteText(m.LidLabel);
            w.Write(m.IdsStart);
            w.Write(m.IdsCount);
            w.WriteText(m.Text);
            w.WriteText(m.Url);
            w.WriteText(m.Key);
        }

        w.Write(unit.Ids.Length);
        foreach (int id in unit.Ids)
        {
            w.Write(id);
        }
    }

    public static UnitMatches Read(Stream stream, string source)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic)
            {
                throw new CurationException($"intermediate {source}: not a shard matches file of this version");
            }

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
        catch (EndOfStreamException e)
        {
            throw new CurationException($"intermediate {source}: truncated", e);
        }
    }
}
