using CsCheck;
using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Tests.Curation;

public class CountVectorCodecTests
{
    [Fact]
    public void Any_count_vector_round_trips()
    {
        Gen.Select(Gen.Int[0, 300], Gen.Int[0, 100]).SelectMany((length, density) =>
                Gen.ULong.Select(Gen.Int[0, 99], (count, roll) => roll < density ? count : 0UL).Array[length])
            .Sample(counts => Assert.Equal(counts, CountVectorCodec.Decode(CountVectorCodec.Encode(counts), "test")));
    }

    [Fact]
    public void The_bytes_are_the_persisted_format_length_non_zeros_then_gap_and_count_varints()
    {
        // Grain state written by earlier silos holds these bytes: the format may not drift.
        Assert.Equal(new byte[] { 5, 2, 2, 5, 3, 0xAC, 0x02 }, CountVectorCodec.Encode([0, 5, 0, 0, 300]));
        Assert.Equal(new byte[] { 0, 0 }, CountVectorCodec.Encode([]));
        Assert.Equal(new byte[] { 3, 0 }, CountVectorCodec.Encode([0, 0, 0]));
    }

    [Fact]
    public void A_sparse_vector_takes_bytes_per_non_zero_entry_not_per_entry()
    {
        var counts = new ulong[500_000];
        for (int id = 0; id < counts.Length; id += 10)
        {
            counts[id] = 3;
        }

        byte[] encoded = CountVectorCodec.Encode(counts);
        Assert.Equal(3 + 3 + (50_000 * 2), encoded.Length);
        Assert.Equal(counts, CountVectorCodec.Decode(encoded, "test"));
    }

    [Fact]
    public void Truncated_bytes_are_an_error_naming_the_source()
    {
        byte[] encoded = CountVectorCodec.Encode([0, 300, 0, 7]);
        var e = Assert.Throws<CurationException>(() => CountVectorCodec.Decode(encoded.AsSpan(0, encoded.Length - 2), "partition x/en"));
        Assert.Contains("partition x/en", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_declared_entries_are_an_error()
    {
        byte[] encoded = [.. CountVectorCodec.Encode([0, 1]), 1, 1];
        var e = Assert.Throws<CurationException>(() => CountVectorCodec.Decode(encoded, "state"));
        Assert.Contains("2 bytes after the end", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_beyond_the_length_is_an_error()
    {
        byte[] encoded = [2, 1, 5, 1]; // length 2, one entry: id 4
        var e = Assert.Throws<CurationException>(() => CountVectorCodec.Decode(encoded, "state"));
        Assert.Contains("entry id 4 is outside a count vector of 2 entries", e.Message, StringComparison.Ordinal);
    }
}
