using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Tests.Curation;

public class UnitMatchesCodecTests
{
    [Fact]
    public void A_shard_survives_the_round_trip_without_its_texts_and_gets_them_back_from_its_rows_including_lone_surrogates()
    {
        var rows = UnitMatcherTests.Rows(("a", "en", "dog \uD800 cat"), ("a", "de", "Hund"), ("b", "en", ""), ("c", "sw", "dog"));
        var unit = UnitMatcherTests.Match(rows);
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, unit);
        stream.Position = 0;
        var back = UnitMatchesCodec.Read(stream, "mem");
        Assert.False(back.HasTexts);
        Assert.Equal(unit.Images.Count, back.Images.Count);
        Assert.Equal(unit.Matched.Select(m => m with { Text = "", Url = null, Key = null }), back.Matched);
        Assert.Equal(unit.Ids, back.Ids);
        Assert.Equal(unit.SkippedTexts, back.SkippedTexts);
        Assert.Equal(unit.Unit, back.Unit);
        Assert.Equal(unit.Languages.ToDictionary(l => l.Key, l => (l.Value.Texts, l.Value.MatchedTexts)), back.Languages.ToDictionary(l => l.Key, l => (l.Value.Texts, l.Value.MatchedTexts)));

        var whole = back.WithTexts(rows);
        Assert.True(whole.HasTexts);
        Assert.Equal(unit.Matched, whole.Matched);
        Assert.Equal(unit.Matched.Select(m => unit.Images[m.Image]), whole.Matched.Select(m => whole.Images[m.Image]));
    }

    [Fact]
    public void An_intermediate_is_a_few_bytes_per_matched_text_whatever_the_texts_length()
    {
        string longText = "dog " + new string('x', 5_000);
        var unit = UnitMatcherTests.Match([.. Enumerable.Range(0, 200).Select(i => ($"image-{i}", "en", longText))]);
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, unit);
        Assert.Equal(200, unit.Matched.Count);
        Assert.True(stream.Length < 200 * 16, $"{stream.Length} bytes for 200 matched texts of 5,004 characters");
    }

    [Fact]
    public void Rows_that_changed_between_the_passes_are_an_error_naming_the_unit()
    {
        var rows = UnitMatcherTests.Rows(("a", "en", "dog"), ("a", "en", "cat"), ("b", "en", "dog"));
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, UnitMatcherTests.Match(rows));
        var back = UnitMatchesCodec.Read(new MemoryStream(stream.ToArray()), "mem");
        var fewer = UnitMatcherTests.Rows(("a", "en", "dog"), ("a", "en", "cat"));
        var e = Assert.Throws<CurationException>(() => back.WithTexts(fewer));
        Assert.Contains("changed between the two passes", e.Message, StringComparison.Ordinal);
        Assert.Contains(back.Unit.Id, e.Message, StringComparison.Ordinal);
        var otherImage = UnitMatcherTests.Rows(("a", "en", "dog"), ("z", "en", "cat"), ("b", "en", "dog"));
        Assert.Throws<CurationException>(() => back.WithTexts(otherImage));
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

    [Fact]
    public void Texts_with_many_entry_ids_survive_the_round_trip_and_an_intermediate_read_back_is_filled_in_place()
    {
        // Ids are read back into a rented buffer that starts at 8 per matched text and grows: these texts match
        // dozens of entries each.
        string many = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"w{i}"));
        var rows = UnitMatcherTests.Rows([.. Enumerable.Range(0, 300).Select(i => ($"image-{i % 70}", "en", i % 3 == 0 ? "dog" : many))]);
        var words = Enumerable.Range(0, 60).Select(i => $"w{i}").Append("dog").ToArray();
        var metadata = new MetadataSet(new Dictionary<string, MetadataList> { ["en"] = new("en", words, "en.json") }, new LidMap(null, new HashSet<string> { "en" }), CurationMode.V2);
        var unit = new UnitMatcher(metadata, threads: 2).Match(rows, CancellationToken.None);
        Assert.True(unit.Ids.Length > 300 * 8, $"{unit.Ids.Length} ids");
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, unit);
        stream.Position = 0;
        var back = UnitMatchesCodec.Read(stream, "mem");
        Assert.Equal(unit.Ids, back.Ids);
        var whole = back.WithTexts(rows);
        Assert.Equal(unit.Matched, whole.Matched);
        Assert.Same(back.Matched, whole.Matched);
    }

    [Fact]
    public void The_encoding_stays_byte_for_byte_what_earlier_builds_wrote_and_read()
    {
        // Intermediates outlive a build (a job resumed by a newer silo reads what an older one wrote): this unit's bytes
        // are those the first MCM2 writer produced.
        var rows = UnitMatcherTests.Rows(("a", "en", "dog cat"), ("a", "de", "Hund"), ("b", "en", ""), ("c", "sw", "dog"), ("c", "en", "cat dog dog"));
        var unit = UnitMatcherTests.Match(rows);
        using var stream = new MemoryStream();
        UnitMatchesCodec.Write(stream, unit);
        Assert.Equal(
            "324D434D096D656D2E6A736F6E6C096D656D2E6A736F6E6C01000000FFFFFFFF000501FFFFFFFF020003026465010102656E0202056F746865720100030000000002656E0002656E020001010001010264650102646501000301010000020001",
            Convert.ToHexString(stream.ToArray()));

        // Many rows, images and ids (varints of two and three bytes), new languages and labels in between.
        string many = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"w{i}"));
        string[] langs = ["en", "de", "sw", "fr"];
        var big = UnitMatcherTests.Rows([.. Enumerable.Range(0, 40_000).Select(i => ($"image-{i % 20_000}", langs[i % 4], i % 3 == 0 ? "dog" : i % 7 == 0 ? "" : many))]);
        var words = Enumerable.Range(0, 60).Select(i => $"w{i}").Append("dog").ToArray();
        var metadata = new MetadataSet(new Dictionary<string, MetadataList> { ["en"] = new("en", words, "en.json"), ["de"] = new("de", [.. words.Reverse()], "de.json") },
            new LidMap(null, new HashSet<string> { "en", "de" }), CurationMode.V2);
        var matched = new UnitMatcher(metadata, threads: 2).Match(big, CancellationToken.None);
        using var bigStream = new MemoryStream();
        UnitMatchesCodec.Write(bigStream, matched);
        Assert.Equal(821614, bigStream.Length);
        Assert.Equal("C52C6DB22E1D57B878852F2054DFCD7D291394EA745D388B92D609CD0A95E9D2", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bigStream.ToArray())));
        bigStream.Position = 0;
        var back = UnitMatchesCodec.Read(bigStream, "mem");
        Assert.Equal(matched.Ids, back.Ids);
        Assert.Equal(matched.Matched.Select(m => m with { Text = "", Url = null, Key = null }), back.Matched);
    }

    [Fact]
    public void An_intermediate_reads_the_same_from_any_stream_and_leaves_it_just_after_the_unit()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "dog cat"), ("b", "de", "Hund"), ("c", "en", "cat"));
        using var written = new MemoryStream();
        UnitMatchesCodec.Write(written, unit);
        byte[] bytes = [.. written.ToArray(), 0xAB, 0xCD, 0xEF];
        int length = bytes.Length - 3;
        var expected = unit.Matched.Select(m => m with { Text = "", Url = null, Key = null }).ToList();

        // A stream that shows its array (as the pipeline's are: read as a span), one that does not, one that cannot seek.
        foreach (var stream in new Stream[] { new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true), new MemoryStream(bytes), new OneWay(bytes) })
        {
            var back = UnitMatchesCodec.Read(stream, "mem");
            Assert.Equal(expected, back.Matched);
            Assert.Equal(unit.Ids, back.Ids);
            if (stream.CanSeek)
            {
                Assert.Equal(length, stream.Position);
            }
        }
    }

    [Fact]
    public void Damaged_counts_and_varints_are_an_error_naming_the_intermediate_not_a_crash()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "dog cat"), ("b", "en", "dog"));
        using var written = new MemoryStream();
        UnitMatchesCodec.Write(written, unit);
        byte[] bytes = written.ToArray();

        // The matched-text count (just before the matched texts) made huge or negative; a varint of six bytes.
        int countAt = bytes.Length - MatchedBytes(unit) - 1;
        Assert.Equal(unit.Matched.Count, bytes[countAt]);
        foreach (byte[] count in new byte[][] { [0xFF, 0xFF, 0xFF, 0xFF, 0x07], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01] })
        {
            byte[] damaged = [.. bytes[..countAt], .. count, .. bytes[(countAt + 1)..]];
            var e = Assert.Throws<CurationException>(() => UnitMatchesCodec.Read(new MemoryStream(damaged, 0, damaged.Length, false, true), "shard-9"));
            Assert.Contains("intermediate shard-9: ", e.Message, StringComparison.Ordinal);
        }

        // A text's id count past the end of the bytes.
        byte[] ids = [.. bytes];
        ids[^(1 + unit.IdsOf(unit.Matched[^1]).Length)] = 0x7F;
        var tooMany = Assert.Throws<CurationException>(() => UnitMatchesCodec.Read(new MemoryStream(ids, 0, ids.Length, false, true), "shard-9"));
        Assert.Contains("intermediate shard-9: damaged", tooMany.Message, StringComparison.Ordinal);
    }

    /// <summary>The bytes of a small unit's matched texts (each varint one byte; a language and label named once).</summary>
    private static int MatchedBytes(UnitMatches unit) =>
        unit.Matched.Sum(m => 6 + unit.IdsOf(m).Length) + unit.Matched.Select(m => m.Language).Distinct().Sum(l => 1 + l.Length) + unit.Matched.Select(m => m.LidLabel).Distinct().Sum(l => 1 + l.Length);

    /// <summary>A stream that can only be read forward.</summary>
    private sealed class OneWay(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 3));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
