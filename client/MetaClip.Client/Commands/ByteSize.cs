using System.Globalization;

namespace MetaClip.Client.Commands;

/// <summary>A size on the command line: bytes, or a whole number with K, M or G (powers of 1,024).</summary>
internal static class ByteSize
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        string value = text.Trim();
        if (value.Length == 0)
        {
            return false;
        }

        int shift = char.ToUpperInvariant(value[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            _ => 0,
        };
        if (shift > 0)
        {
            value = value[..^1];
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number > long.MaxValue >> shift)
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }

    /// <summary>A size as the command line writes it: whole G, M or K where it divides, else bytes.</summary>
    public static string Format(long bytes) => bytes switch
    {
        > 0 when bytes % (1L << 30) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30}G"),
        > 0 when bytes % (1L << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20}M"),
        > 0 when bytes % (1L << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10}K"),
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
