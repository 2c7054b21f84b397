using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Snapshots;

public class FingerprintTableTests
{
    [Fact]
    public void Every_added_fingerprint_is_found_with_its_serial_across_growth_and_others_are_not()
    {
        var table = new FingerprintTable();
        var random = new Random(17);
        var added = new Dictionary<ulong, int>();
        while (added.Count < 300_000)
        {
            ulong fingerprint = (ulong)random.NextInt64() << 1 | 1;
            if (added.TryAdd(fingerprint, added.Count % (FingerprintTable.MaxSerial + 1)))
            {
                table.Add(fingerprint, added[fingerprint]);
            }
        }

        Assert.Equal(added.Count, table.Count);
        foreach (var (fingerprint, serial) in added)
        {
            Assert.True(table.TryGetSerial(fingerprint, out int found));
            Assert.Equal(serial, found);
        }

        int strangers = 0;
        for (int i = 0; i < 100_000; i++)
        {
            ulong other = (ulong)random.NextInt64();
            if (!added.ContainsKey(other) && (table.TryGetSerial(other, out _) || table.TryGetSerial(other ^ 0x8000, out _)))
            {
                strangers++;
            }
        }

        Assert.Equal(0, strangers);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Add(42UL << 20, FingerprintTable.MaxSerial + 1));
    }

    [Fact]
    public void Fingerprints_that_share_their_top_byte_or_their_low_bits_are_kept_apart()
    {
        // One segment takes them all (top byte 0xAB), or the segments share slot positions (same low bits).
        var table = new FingerprintTable();
        var added = new List<ulong>();
        for (ulong i = 1; i <= 100_000; i++)
        {
            added.Add(0xABUL << 56 | i * 0x9E3779B97F4A7C15UL >> 8);
            added.Add(i << 56 | 0x1234);
        }

        added = [.. added.Distinct()];
        for (int i = 0; i < added.Count; i++)
        {
            table.Add(added[i], i % 7);
        }

        Assert.Equal(added.Count, table.Count);
        for (int i = 0; i < added.Count; i++)
        {
            Assert.True(table.TryGetSerial(added[i], out int serial));
            Assert.Equal(i % 7, serial);
        }

        Assert.False(table.TryGetSerial(0xABUL << 56 | 0x5678, out _));
    }
}
