using System.Text;
using System.Text.Json;
using MetaClip.Engine.Json;

namespace MetaClip.Engine.Tests.Json;

public class JsonTextTests
{
    [Theory]
    [InlineData(1f, "1.0")]
    [InlineData(0.42857143f, "0.42857143")]
    [InlineData(0.003f, "0.003")]
    [InlineData(1e-10f, "1E-10")]
    public void Float32_is_printed_shortest_round_trip(float value, string text)
    {
        Assert.Equal(text, JsonText.ShortestSingle(value));
        Assert.Equal(value, float.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Float64_round_trips()
    {
        double p = 0.061234567890123456;
        Assert.Equal(p, double.Parse(JsonText.ShortestDouble(p), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0.0", JsonText.ShortestDouble(0));
    }

    [Fact]
    public void Strings_keep_unicode_and_escape_controls_quotes_and_lone_surrogates()
    {
        string s = new StringBuilder().AppendString("中\"\\\n\u0001\uD83D\uDE00\uDC00").ToString();
        Assert.Equal("\"中\\\"\\\\\\n\\u0001\uD83D\uDE00\\udc00\"", s);
        Assert.Equal("中\"\\\n\u0001\uD83D\uDE00", JsonDocument.Parse(new StringBuilder().AppendString("中\"\\\n\u0001\uD83D\uDE00").ToString()).RootElement.GetString());
    }

    /// <summary>The escaping of <see cref="JsonText.AppendString"/>, written out character by character.</summary>
    private static string Escaped(string value)
    {
        var text = new StringBuilder("\"");
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
                continue;
            }

            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                _ when c < 0x20 || char.IsSurrogate(c) => "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }

    [Fact]
    public void Every_special_character_is_escaped_at_every_place_around_the_vector_width()
    {
        // The scan looks at 16 characters at a time, then at the rest one by one: each special character at each place
        // of strings of 0–40 characters.
        string[] specials = ["\"", "\\", "\n", "\r", "\t", "\b", "\f", "\u0000", "\u001F", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "🙂", "\u2028", "\u007F", "é", "\uFFFF"];
        foreach (string special in specials)
        {
            for (int length = 0; length <= 40; length++)
            {
                for (int at = 0; at <= length; at++)
                {
                    string value = new string('a', at) + special + new string('b', length - at);
                    Assert.Equal(Escaped(value), new StringBuilder().AppendString(value).ToString());
                }
            }
        }
    }

    [Fact]
    public void The_scan_finds_the_first_character_that_needs_a_look_as_a_plain_loop_does()
    {
        var random = new Random(5);
        for (int n = 0; n < 20_000; n++)
        {
            var chars = new char[random.Next(0, 60)];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = random.Next(40) == 0 ? "\"\\\u0001\u001F\uD800\uDFFF"[random.Next(6)] : (char)random.Next(0x20, 0x10000);
            }

            int expected = Array.FindIndex(chars, c => c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c));
            Assert.Equal(expected, JsonText.IndexOfSpecial(chars));
            Assert.Equal(Escaped(new string(chars)), new StringBuilder().AppendString(new string(chars)).ToString());
        }
    }

    [Fact]
    public void Probabilities_are_appended_as_the_shortest_round_trip()
    {
        // 1.0 has a shortcut (most probabilities are 1); every value reads as ShortestDouble writes it.
        double[] values = [1.0, 0.0, -0.0, 0.1, 0.5200000065565109, 1e-300, 1.5e300, 0.9999999999999999, 1.0000000000000002,
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, 123456789.0, -1.0, double.Epsilon];
        foreach (double value in values)
        {
            Assert.Equal(JsonText.ShortestDouble(value), new StringBuilder().AppendShortest(value).ToString());
        }

        Assert.Equal("1.0", new StringBuilder().AppendShortest(1.0).ToString());
    }
}
