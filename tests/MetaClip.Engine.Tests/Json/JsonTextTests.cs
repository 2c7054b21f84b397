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
}
