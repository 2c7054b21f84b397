using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>What every split of a unit into ranges must give, whether of a JSONL file or of a Parquet row group.</summary>
internal static class SplitAssertions
{
    /// <summary>
    /// The ranges follow each other; their rows, in order, are the whole unit's rows, with the same places named; and no
    /// image has rows in two ranges.
    /// </summary>
    public static void CoverTheUnitAndKeepImagesWhole(IReadOnlyList<UnitRange> ranges, UnitRows whole, IReadOnlyList<UnitRows> parts, string splitSize)
    {
        Assert.Equal(0, ranges[0].Start);
        for (int i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].End, ranges[i].Start);
        }

        Assert.Equal(whole.Text, parts.SelectMany(p => p.Text));
        Assert.Equal(whole.Uuid, parts.SelectMany(p => p.Uuid));
        Assert.Equal(Enumerable.Range(0, whole.RowCount).Select(whole.Locate), parts.SelectMany(p => Enumerable.Range(0, p.RowCount).Select(p.Locate)));

        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int p = 0; p < parts.Count; p++)
        {
            foreach (string? uuid in parts[p].Uuid)
            {
                if (uuid is not null && owner.TryGetValue(uuid, out int first))
                {
                    Assert.True(first == p, $"image {uuid} has rows in ranges {first} and {p} (split size {splitSize})");
                }
                else if (uuid is not null)
                {
                    owner[uuid] = p;
                }
            }
        }
    }
}
