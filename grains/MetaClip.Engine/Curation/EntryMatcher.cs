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

    /// <summary>
    /// Matches many texts, two at a time (see <see cref="SubstringAutomaton.FindAll(ReadOnlySpan{char}, ReadOnlySpan{char}, ref MatchList, ref MatchList)"/>):
    /// appends each text's ids (ascending, distinct) to <paramref name="ids"/> and writes their number to
    /// <paramref name="counts"/>. Same result as <see cref="Match"/> text by text, faster.
    /// </summary>
    public void MatchMany(IReadOnlyList<string> texts, MatchScratch scratch, List<int> ids, Span<int> counts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(scratch);
        ArgumentNullException.ThrowIfNull(ids);
        int i = 0;
        for (; i + 1 < texts.Count; i += 2)
        {
            var first = CurationText.Strip(texts[i]);
            var second = CurationText.Strip(texts[i + 1]);
            var a = scratch.SpacedBuffer(CurationText.MaxSpacedLength(first.Length));
            var b = scratch.SecondSpacedBuffer(CurationText.MaxSpacedLength(second.Length));
            int na = first.IsEmpty ? 0 : CurationText.WriteSpaced(first, a);
            int nb = second.IsEmpty ? 0 : CurationText.WriteSpaced(second, b);
            scratch.Matches.Clear();
            scratch.SecondMatches.Clear();
            _automaton.FindAll(a[..na], b[..nb], ref scratch.Matches, ref scratch.SecondMatches);
            scratch.Matches.SortDistinct();
            scratch.SecondMatches.SortDistinct();
            counts[i] = scratch.Matches.Count;
            counts[i + 1] = scratch.SecondMatches.Count;
            ids.AddRange(scratch.Matches.Items);
            ids.AddRange(scratch.SecondMatches.Items);
        }

        if (i < texts.Count)
        {
            var found = Match(texts[i], scratch);
            counts[i] = found.Length;
            ids.AddRange(found);
        }
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

    /// <summary>The ids found for the second text of a pair.</summary>
#pragma warning disable CA1051 // A mutable struct field on purpose: passed by ref to the hot loop.
    internal MatchList SecondMatches = new(64);
#pragma warning restore CA1051

    private char[] _secondSpaced = new char[1024];

    internal Span<char> SpacedBuffer(int length) => Grow(ref _spaced, length);

    internal Span<char> SecondSpacedBuffer(int length) => Grow(ref _secondSpaced, length);

    private static char[] Grow(ref char[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new char[Math.Max(length, buffer.Length * 2)];
        }

        return buffer;
    }
}
