namespace MetaClip.Engine.Curation;

/// <summary>
/// The immutable threshold table of a job as a file: written once by the coordinator after the count
/// barrier, read once per silo by pass 2.
/// </summary>
public static class ThresholdTableCodec
{
    private const uint Magic = 0x4D435454; // "MCTT"

    public static void Write(Stream stream, ThresholdTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(table.TEn.HasValue);
        w.Write(table.TEn ?? 0);
        w.Write(table.P);
        w.Write(table.Thresholds.Count);
        foreach (var (language, threshold) in table.Thresholds.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            w.Write(language);
            w.Write(threshold);
            var probabilities = table.Probabilities[language];
            w.Write(probabilities.Length);
            foreach (float probability in probabilities)
            {
                w.Write(probability);
            }
        }
    }

    public static ThresholdTable Read(Stream stream, string source)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic)
            {
                throw new CurationException($"threshold table {source}: not a threshold table of this version");
            }

            bool hasTEn = r.ReadBoolean();
            ulong tEn = r.ReadUInt64();
            double p = r.ReadDouble();
            var thresholds = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
            var probabilities = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (int i = r.ReadInt32(); i > 0; i--)
            {
                string language = r.ReadString();
                thresholds[language] = r.ReadUInt64();
                var values = new float[r.ReadInt32()];
                for (int k = 0; k < values.Length; k++)
                {
                    values[k] = r.ReadSingle();
                }

                probabilities[language] = values;
            }

            return new ThresholdTable(hasTEn ? tEn : null, p, thresholds, probabilities);
        }
        catch (EndOfStreamException e)
        {
            throw new CurationException($"threshold table {source}: truncated", e);
        }
    }
}
