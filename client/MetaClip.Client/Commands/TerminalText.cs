using System.Text;

namespace MetaClip.Client.Commands;

/// <summary>
/// Text from the cluster (job ids, paths, who submitted, error messages) as a terminal may show it: control characters
/// become <c>\uXXXX</c>, so that nothing a submitter wrote into a job can move the cursor, clear the screen or rewrite
/// what an operator reads.
/// </summary>
internal static class TerminalText
{
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(char.IsControl))
        {
            return text ?? "";
        }

        var shown = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (char.IsControl(c))
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
}
