using System.Globalization;
using System.Text;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// The rules every entry from Wikipedia (unigrams, bigrams, titles) must pass: stripped, non-empty, at most
/// <see cref="MaxLength"/> characters (code points), and not made only of punctuation (Unicode categories
/// P*). WordNet lemmas and the numbers are taken as they are (only <c>_</c> is read as a space in lemmas).
/// </summary>
public static class EntryRules
{
    public const int MaxLength = 256;

    /// <summary>The entry as it goes into a list, or null when a rule rejects it.</summary>
    public static string? Clean(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var stripped = CurationText.Strip(candidate);
        if (stripped.IsEmpty)
        {
            return null;
        }

        int runes = 0;
        bool onlyPunctuation = true;
        foreach (var rune in stripped.EnumerateRunes())
        {
            runes++;
            if (onlyPunctuation && !IsPunctuation(rune))
            {
                onlyPunctuation = false;
            }
        }

        if (runes > MaxLength || onlyPunctuation)
        {
            return null;
        }

        return stripped.Length == candidate.Length ? candidate : stripped.ToString();
    }

    /// <summary>Unicode punctuation (Pc, Pd, Ps, Pe, Pi, Pf, Po).</summary>
    public static bool IsPunctuation(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or
        UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or
        UnicodeCategory.OtherPunctuation;
}

/// <summary>A list of entries in order that keeps the first occurrence of each (ordinal equality).</summary>
public sealed class OrderedEntries
{
    private readonly List<string> _entries = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Adds the entry unless it is already there; true when it was added.</summary>
    public bool Add(string entry)
    {
        if (!_seen.Add(entry))
        {
            return false;
        }

        _entries.Add(entry);
        return true;
    }

    /// <summary>Adds every entry not already there, in order; returns how many were added.</summary>
    public int AddRange(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int added = 0;
        foreach (string entry in entries)
        {
            added += Add(entry) ? 1 : 0;
        }

        return added;
    }

    public bool Contains(string entry) => _seen.Contains(entry);
}
