using System.Text;

namespace MetaClip.Engine.Tests.Matching;

/// <summary>
/// The spec's matching written as literally as possible, over code points (Python's view of a string:
/// a lone surrogate is a code point of its own), to check the automaton against. Independent of the
/// production code on purpose.
/// </summary>
internal static class SpecReference
{
    private static readonly string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：？！“”‘’（）【】《》〈〉「」『』～—";

    public static int[] CodePoints(string s)
    {
        var result = new List<int>();
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                result.Add(s[i]);
            }
        }

        return [.. result];
    }

    public static bool IsPythonSpace(int cp) => cp <= 0xFFFF && (char.IsWhiteSpace((char)cp) || (cp >= 0x1C && cp <= 0x1F));

    public static bool IsCjk(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
        (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
        (cp >= 0x2CEB0 && cp <= 0x2EBEF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2E80 && cp <= 0x2EFF) ||
        (cp >= 0x2F00 && cp <= 0x2FDF) || (cp >= 0x2FF0 && cp <= 0x2FFF) || (cp >= 0x0E00 && cp <= 0x0E7F) ||
        (cp >= 0x0E80 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) || (cp >= 0x1780 && cp <= 0x17FF) ||
        (cp >= 0x0F00 && cp <= 0x0FFF) || (cp <= 0xFFFF && Punctuation.Contains((char)cp, StringComparison.Ordinal));

    /// <summary>Strip, then " " + text + " " with the seven split characters wrapped and \t \n \r made spaces.</summary>
    public static int[] Spaced(string text)
    {
        var cps = CodePoints(text).ToList();
        while (cps.Count > 0 && IsPythonSpace(cps[0]))
        {
            cps.RemoveAt(0);
        }

        while (cps.Count > 0 && IsPythonSpace(cps[^1]))
        {
            cps.RemoveAt(cps.Count - 1);
        }

        var s = new List<int> { ' ' };
        s.AddRange(cps);
        s.Add(' ');
        foreach (char c in ",.;:?!`")
        {
            var next = new List<int>();
            foreach (int cp in s)
            {
                if (cp == c)
                {
                    next.AddRange([' ', c, ' ']);
                }
                else
                {
                    next.Add(cp);
                }
            }

            s = next;
        }

        return [.. s.Select(cp => cp is '\t' or '\n' or '\r' ? ' ' : cp)];
    }

    public static int[] Padded(string entry, bool v1)
    {
        var cps = CodePoints(entry);
        var result = new List<int>();
        if (v1 || !IsCjk(cps[0]))
        {
            result.Add(' ');
        }

        result.AddRange(cps);
        if (v1 || !IsCjk(cps[^1]))
        {
            result.Add(' ');
        }

        return [.. result];
    }

    /// <summary>The ids of the entries whose padded form is a substring of the spaced text, ascending.</summary>
    public static int[] Match(IReadOnlyList<string> entries, string text, bool v1 = false)
    {
        if (CodePoints(text).All(IsPythonSpace))
        {
            return [];
        }

        var spaced = Spaced(text);
        var ids = new List<int>();
        for (int id = 0; id < entries.Count; id++)
        {
            if (Contains(spaced, Padded(entries[id], v1)))
            {
                ids.Add(id);
            }
        }

        return [.. ids];
    }

    private static bool Contains(int[] haystack, int[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return true;
            }
        }

        return false;
    }

    public static string Show(string s)
    {
        var b = new StringBuilder();
        foreach (char c in s)
        {
            b.Append(c is >= ' ' and < (char)0x7F ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return b.ToString();
    }
}
