using System.Text;
using MetaClip.Engine.Json;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// A shard's kept rows between pass 2 and publishing, in a compact binary form (strings as UTF-16 code
/// units, so lone surrogates survive), so the published curated set is written in one place, in shard order.
/// </summary>
public static class CuratedRowsCodec
{
    private const uint Magic = 0x4D435231; // "MCR1"

    public static void Write(Stream stream, IReadOnlyList<CuratedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(rows.Count);
        foreach (var row in rows)
        {
            w.WriteText(row.Uuid);
            w.WriteText(row.Url);
            w.WriteText(row.Text);
            w.WriteText(row.Language);
            w.WriteText(row.Lid);
            w.Write(row.EntryIds.Length);
            foreach (int id in row.EntryIds)
            {
                w.Write(id);
            }

            w.Write(row.Probability);
            w.WriteText(row.Key);
            w.Write(row.Image?.Length ?? -1);
            if (row.Image is not null)
            {
                w.Write(row.Image);
            }
        }
    }

    public static List<CuratedRow> Read(Stream stream, string source)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic)
            {
                throw new CurationException($"intermediate {source}: not a curated rows file of this version");
            }

            var rows = new List<CuratedRow>(r.ReadInt32());
            for (int i = rows.Capacity; i > 0; i--)
            {
                string uuid = r.ReadText()!, url = r.ReadText()!, text = r.ReadText()!, language = r.ReadText()!, lid = r.ReadText()!;
                var ids = new int[r.ReadInt32()];
                for (int k = 0; k < ids.Length; k++)
                {
                    ids[k] = r.ReadInt32();
                }

                double probability = r.ReadDouble();
                string? key = r.ReadText();
                int imageLength = r.ReadInt32();
                byte[]? image = imageLength < 0 ? null : r.ReadBytes(imageLength);
                rows.Add(new CuratedRow(uuid, url, text, language, lid, ids, probability, key, image));
            }

            return rows;
        }
        catch (EndOfStreamException e)
        {
            throw new CurationException($"intermediate {source}: truncated", e);
        }
    }
}
