using MetaClip.Metadata;

namespace MetaClip.Curation;

/// <summary>
/// Matches texts against one metadata list (CURATION-SPEC §2): strip, spacing, padded entries as
/// substrings, the matched ids as an ascending set. Immutable and thread-safe; each thread brings its
/// own <see cref="MatchScratch"/>.
/// </summary>
public sealed class EntryMatcher
{
    private readonly SubstringAutomaton _automaton;

    public EntryMatcher(MetadataList list, CurationMode mode)
    {
        ArgumentNullException.ThrowIfNull(list);
        List = list;
        var padded = new string[list.Count];
        for (int i = 0; i < padded.Length; i++)
        {
            padded[i] = EntryPadding.Pad(list.Entries[i], mode);
        }

        _automaton = SubstringAutomaton.Build(padded);
    }

    public MetadataList List { get; }

    /// <summary>The automaton's memory footprint in bytes.</summary>
    public long SizeInBytes => _automaton.SizeInBytes;

    /// <summary>
    /// The ids of the entries matching <paramref name="text"/>, ascending and distinct, valid until the
    /// scratch is used again. Empty for a text that is empty after stripping.
    /// </summary>
    public ReadOnlySpan<int> Match(ReadOnlySpan<char> text, MatchScratch scratch)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        scratch.Matches.Clear();
        var stripped = CurationText.Strip(text);
        if (stripped.IsEmpty)
        {
            return [];
        }

        var buffer = scratch.SpacedBuffer(CurationText.MaxSpacedLength(stripped.Length));
        int length = CurationText.WriteSpaced(stripped, buffer);
        _automaton.FindAll(buffer[..length], ref scratch.Matches);
        scratch.Matches.SortDistinct();
        return scratch.Matches.Items;
    }
}

/// <summary>Per-thread buffers for <see cref="EntryMatcher.Match"/>.</summary>
public sealed class MatchScratch
{
    private char[] _spaced = new char[1024];

    /// <summary>The ids found for the last text (a field so the automaton can fill it by reference).</summary>
#pragma warning disable CA1051 // A mutable struct field on purpose: passed by ref to the hot loop.
    internal MatchList Matches = new(64);
#pragma warning restore CA1051

    internal Span<char> SpacedBuffer(int length)
    {
        if (_spaced.Length < length)
        {
            _spaced = new char[Math.Max(length, _spaced.Length * 2)];
        }

        return _spaced;
    }
}
