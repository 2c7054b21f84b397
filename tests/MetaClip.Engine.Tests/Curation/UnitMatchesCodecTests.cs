using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Tests.Curation;

public class UnitMatchesCodecTests
{
    [Fact]
    public void A_shard_survives_the_round_trip_including_lone_surrogates()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "dog \uD800 cat"), ("a", "de", "Hund"), ("b", "en", ""), ("c", "sw", "dog"));
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, unit);
        stream.Position = 0;
        var back = UnitMatchesCodec.Read(stream, "mem");
        Assert.Equal(unit.Images, back.Images);
        Assert.Equal(unit.Matched, back.Matched);
        Assert.Equal(unit.Ids, back.Ids);
        Assert.Equal(unit.SkippedTexts, back.SkippedTexts);
        Assert.Equal(unit.Unit, back.Unit);
        Assert.Equal(unit.Languages.ToDictionary(l => l.Key, l => (l.Value.Texts, l.Value.MatchedTexts)), back.Languages.ToDictionary(l => l.Key, l => (l.Value.Texts, l.Value.MatchedTexts)));
    }

    [Fact]
    public void A_truncated_or_foreign_file_is_an_error_naming_it()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "dog"));
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, unit);
        var bytes = stream.ToArray();
        var e = Assert.Throws<CurationException>(() => UnitMatchesCodec.Read(new MemoryStream(bytes[..(bytes.Length - 3)]), "shard-3"));
        Assert.Contains("shard-3: truncated", e.Message, StringComparison.Ordinal);
        Assert.Throws<CurationException>(() => UnitMatchesCodec.Read(new MemoryStream([1, 2, 3, 4, 5]), "x"));
    }
}
