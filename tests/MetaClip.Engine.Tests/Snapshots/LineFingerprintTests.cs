using System.Text;
using System.Text.Json;
using CsCheck;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>
/// The splitter's fingerprint of a line's uuid: a flat line read by hand gives what <see cref="Utf8JsonReader"/> gives
/// for every valid JSON line, so a file is split where it was before (issue 17: the plan read every line twice as slowly).
/// </summary>
public sealed class LineFingerprintTests
{
    private static readonly SnapshotColumns Columns = new();

    private static readonly string[] Names =
        ["uuid", "UUID", "Uuid", "url", "URL", "text", "lang", "key", "ünï", "u\\u0075id", "\\u0075rl", "", "uuidx", "ur"];

    private static readonly string[] StringPieces =
        ["abc", "", "é", "日本", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00", "\\udc00", "x y", "0001", "😀", "\\n", "\\/", ",", "}", ":", "{"];

    private static readonly string[] OtherValues =
        ["1", "-2.5e3", "0", "12345678901234567890", "null", "true", "false", "{}", "[]", "[1, 2]", "{\"uuid\": \"in\"}", "[\"a\", {\"url\": null}]"];

    private static readonly string[] Spaces = ["", "", " ", "\t", "  ", "\r", " \r\t "];

    [Fact]
    public void Random_valid_lines_get_the_fingerprint_the_json_reader_gives_and_most_are_read_flat()
    {
        int flat = 0, all = 0;
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            for (int n = 0; n < 50; n++)
            {
                byte[] line = Encoding.UTF8.GetBytes(RandomLine(random));
                using (JsonDocument.Parse(line))
                {
                    // the generator writes valid JSON only
                }

                var units = new char[4];
                ulong expected = LineFingerprint.ByReader(line, Columns, ref units);
                Assert.Equal(expected, LineFingerprint.Of(line, Columns, ref units));
                if (LineFingerprint.TryFlat(line, Columns, ref units, out ulong read))
                {
                    Assert.Equal(expected, read);
                    flat++;
                }

                all++;
            }
        }, iter: 400);

        // Both ways are exercised: most lines are read flat, and the rest (escapes, nesting, numbers) by the reader.
        Assert.InRange(flat, all / 5, all - (all / 20));
    }

    [Theory]
    [InlineData("{\"uuid\": \"a\", \"url\": \"u\", \"text\": \"t\"}", "a")]
    [InlineData("{\"UUID\": \"b\", \"uuid\": \"a\"}", "a")] // a name written exactly as the column's wins
    [InlineData("{\"uuid\": \"a\", \"UUID\": \"b\"}", "a")]
    [InlineData("{\"UUID\": \"b\", \"Uuid\": \"c\"}", "c")] // among names in other case, the last
    [InlineData("{\"uuid\": \"a\", \"uuid\": \"c\"}", "c")]
    [InlineData("  {  \"text\" :\t\"x\\\"y\" ,\"uuid\":\"日本\"}  ", "日本")]
    public void A_flat_line_is_read_by_hand_and_gives_its_uuids_fingerprint(string line, string uuid)
    {
        var units = new char[4];
        Assert.True(LineFingerprint.TryFlat(Encoding.UTF8.GetBytes(line), Columns, ref units, out ulong fingerprint));
        Assert.Equal(ImageRanges.Fingerprint(uuid), fingerprint);
    }

    [Theory]
    [InlineData("{\"url\": \"http://a/1.jpg\", \"text\": \"t\"}", "http://a/1.jpg")]
    [InlineData("{\"uuid\": \"\", \"url\": \"http://a/1.jpg\"}", "http://a/1.jpg")] // an empty uuid: derived from the url
    [InlineData("{\"uuid\": \"a\", \"url\": \"http://a/1.jpg\", \"uuid\": null}", "http://a/1.jpg")] // the last uuid counts
    [InlineData("{\"url\": \"\"}", "")] // an empty url is a value too
    public void A_line_without_a_uuid_gets_the_fingerprint_of_the_uuid_derived_from_its_url(string line, string url)
    {
        var units = new char[4];
        Assert.True(LineFingerprint.TryFlat(Encoding.UTF8.GetBytes(line), Columns, ref units, out ulong fingerprint));
        Assert.Equal(ImageRanges.Fingerprint(ImageUuid.FromUrl(url)), fingerprint);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"text\": \"t\"}")]
    [InlineData("{\"uuid\": null, \"url\": null}")]
    public void A_line_with_neither_gets_none(string line)
    {
        var units = new char[4];
        Assert.True(LineFingerprint.TryFlat(Encoding.UTF8.GetBytes(line), Columns, ref units, out ulong fingerprint));
        Assert.Equal(0UL, fingerprint);
    }

    [Theory]
    [InlineData("{\"uuid\": \"a\\u0062\"}")] // an escaped uuid
    [InlineData("{\"url\": \"a\\/b\"}")] // an escaped url
    [InlineData("{\"u\\u0075id\": \"a\"}")] // an escaped name
    [InlineData("{\"uuid\": 42}")] // a number as the uuid
    [InlineData("{\"meta\": {\"uuid\": \"x\"}, \"uuid\": \"a\"}")] // a nested value
    [InlineData("[\"uuid\", \"a\"]")] // not an object
    [InlineData("")]
    public void Other_lines_are_left_to_the_json_reader(string line)
    {
        var units = new char[4];
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        Assert.False(LineFingerprint.TryFlat(bytes, Columns, ref units, out _));
        Assert.Equal(LineFingerprint.ByReader(bytes, Columns, ref units), LineFingerprint.Of(bytes, Columns, ref units));
    }

    [Fact]
    public void Broken_lines_never_throw_whichever_way_they_are_read()
    {
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            byte[] line = Encoding.UTF8.GetBytes(RandomLine(random));
            int cut = random.Next(line.Length + 1);
            byte[] broken = random.Next(3) switch
            {
                0 => line[..cut],
                1 => [.. line[..cut], (byte)random.Next(256), .. line[cut..]],
                _ => [.. line[..cut], 0xC3, .. line[cut..]], // a lone UTF-8 lead byte, often inside a string
            };
            var units = new char[4];
            LineFingerprint.Of(broken, Columns, ref units);
            LineFingerprint.TryFlat(broken, Columns, ref units, out _);
        }, iter: 3000);
    }

    private static string RandomLine(Random random)
    {
        string Space() => Spaces[random.Next(Spaces.Length)];
        string Value()
        {
            if (random.Next(4) == 0)
            {
                return OtherValues[random.Next(OtherValues.Length)];
            }

            var text = new StringBuilder("\"");
            for (int i = random.Next(4); i > 0; i--)
            {
                // Escapes are rarer than in this list; half of the strings have none.
                string piece = StringPieces[random.Next(StringPieces.Length)];
                text.Append(random.Next(2) == 0 && piece.Contains('\\', StringComparison.Ordinal) ? "plain" : piece);
            }

            return text.Append('"').ToString();
        }

        var line = new StringBuilder(Space()).Append('{').Append(Space());
        int members = random.Next(6);
        for (int m = 0; m < members; m++)
        {
            if (m > 0)
            {
                line.Append(',').Append(Space());
            }

            line.Append('"').Append(Names[random.Next(Names.Length)]).Append('"').Append(Space()).Append(':').Append(Space()).Append(Value()).Append(Space());
        }

        return line.Append('}').Append(Space()).ToString();
    }
}
