using System.Text;

namespace MetaClip.Engine;

/// <summary>
/// Text from the cluster or from input (job ids, paths, who submitted, error messages) as a terminal may show it: control characters
/// and bidirectional controls become <c>\uXXXX</c>, so that nothing a submitter wrote into a job can move the cursor, clear the screen or rewrite
/// what an operator reads.
/// </summary>
public static class TerminalText
{
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(Hidden))
        {
            return text ?? "";
        }

        var shown = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (Hidden(c))
            {
                shown.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                shown.Append(c);
            }
        }

        return shown.ToString();
    }

    /// <summary>Control characters, and the bidirectional controls that make a line read in another order than it is written.</summary>
    private static bool Hidden(char c) => char.IsControl(c) || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
