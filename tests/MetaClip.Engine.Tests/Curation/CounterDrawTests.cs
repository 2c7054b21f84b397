using System.IO.Hashing;
using System.Text;
using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Tests.Curation;

/// <summary>docs/curation-spec.md §5.2. Expected values computed independently (a Python transcription of the spec with its own XXH64).</summary>
public class CounterDrawTests
{
    [Fact]
    public void Mix64_is_the_splitmix64_finaliser()
    {
        Assert.Equal(0UL, CounterDraw.Mix64(0));
        Assert.Equal(0x5692161d100b05e5UL, CounterDraw.Mix64(1));
    }

    [Fact]
    public void Key64_is_xxh64_with_seed_zero_of_the_utf8_bytes()
    {
        Assert.Equal(0xfc2ebdf008bbff51UL, CounterDraw.Key64("g01"));
        Assert.Equal(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes("画像 ü")), CounterDraw.Key64("画像 ü"));
    }

    [Theory]
    [InlineData(0UL, 0UL, "g01", 0, 0.3979944564414196)]
    [InlineData(0UL, 0UL, "g01", 1, 0.8517011525781949)]
    [InlineData(7UL, 0UL, "coco-cn-icap2020:123", 0, 0.6084766804314641)]
    [InlineData(18446744073709551615UL, 3UL, "x", 1, 0.49164497209545754)]
    public void Uniform_follows_the_counter_formula(ulong seed, ulong epoch, string uuid, int k, double expected) =>
        Assert.Equal(expected, CounterDraw.Uniform(seed, epoch, uuid, k));

    [Fact]
    public void Draws_lie_in_the_unit_interval_and_differ_by_k_and_epoch()
    {
        for (int i = 0; i < 10_000; i++)
        {
            double u = CounterDraw.Uniform((ulong)i * 977, (ulong)(i % 3), $"img-{i}", i % 2);
            Assert.InRange(u, 0.0, 1.0 - double.Epsilon);
        }

        Assert.NotEqual(CounterDraw.Uniform(0, 0, "a", 0), CounterDraw.Uniform(0, 0, "a", 1));
        Assert.NotEqual(CounterDraw.Uniform(0, 0, "a", 0), CounterDraw.Uniform(0, 1, "a", 0));
    }
}
