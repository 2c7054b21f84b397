using CsCheck;
using MetaClip.Engine.Snapshots.Pages;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

public sealed class HybridDecoderTests
{
    [Fact]
    public void Skipping_values_counts_and_lands_where_reading_them_one_by_one_does()
    {
        Gen.Select(Gen.Int[1, 3000], Gen.Int[0, 12], Gen.Int[0, 100], Gen.Int).Sample((count, width, skipPercent, seed) =>
        {
            var random = new Random(seed);
            int distinct = width == 0 ? 1 : Math.Min(1 << width, random.Next(1, 5));
            int[] values = [.. Enumerable.Range(0, count).Select(_ => random.Next(distinct))];
            byte[] data = MultiPageChunkTests.Hybrid(values, width, random, maxGroups: random.Next(1, 60));
            int skip = (int)((long)count * skipPercent / 100);
            int counted = random.Next(distinct);

            var skipping = new HybridDecoder(data, width);
            Assert.Equal(values.Take(skip).Count(v => v == counted), skipping.Skip(skip, counted));
            for (int i = skip; i < count; i++)
            {
                Assert.Equal(values[i], skipping.Next());
            }
        }, iter: 500);
    }

    [Fact]
    public void Skipping_past_the_values_there_are_is_an_error()
    {
        // One bit-packed group of eight one-bit values: ninth and later values are not there.
        byte[] data = [0b11, 0b1010_1010];
        Assert.Equal(4, new HybridDecoder(data, 1).Skip(8, counted: 1));
        Assert.Throws<InvalidDataException>(() => new HybridDecoder(data, 1).Skip(9));
        byte[] headerOnly = [0b11];
        Assert.Throws<InvalidDataException>(() => new HybridDecoder(headerOnly, 1).Skip(1));
    }

    [Theory]
    [InlineData(1UL << 61)] // times 8 values overflows to 0
    [InlineData((1UL << 62) + 1)] // times 8 overflows to 8, times the bit width to a negative place in the data
    [InlineData((ulong)int.MaxValue)]
    public void Regression_a_damaged_header_with_a_huge_count_of_groups_read_outside_the_data(ulong groups)
    {
        // A property test of damaged pages (seed 0xjAzamRd3eb) met an IndexOutOfRangeException here instead of the
        // data's error: the count was multiplied before it was checked.
        var data = new List<byte>();
        for (ulong header = (groups << 1) | 1; ; header >>= 7)
        {
            data.Add((byte)(header < 0x80 ? header : (header & 0x7F) | 0x80));
            if (header < 0x80)
            {
                break;
            }
        }

        data.AddRange([1, 2, 3, 4]);
        var e = Assert.Throws<InvalidDataException>(() => new HybridDecoder([.. data], 8).Next());
        Assert.Contains("bit-packed run", e.Message, StringComparison.Ordinal);
    }
}
