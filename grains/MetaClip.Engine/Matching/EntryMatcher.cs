using System.Buffers;
using System.Runtime.CompilerServices;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Matching;

/// <summary>
/// Matches texts against one metadata list (docs/curation-spec.md §2): strip, spacing, padded entries as
/// substrings, the matched ids as an ascending set. Immutable and thread-safe; each thread brings its
/// own <see cref="MatchScratch"/>.
/// </summary>
public sealed class EntryMatcher
{
    private readonly SpaceBoundedIndex? _spaceBounded;
    private readonly SubstringAutomaton? _automaton;
    private readonly int[] _automatonIds;

    // Every automaton pattern holds, at an unpadded end, a CJK-or-similar unit: a text without any of
    // these units cannot contain any automaton pattern, so its walk is skipped. Each unit is kept with its
    // neighbour inside the pattern (see TriggerKey), because a unit alone says little: in English the
    // apostrophe of "'tween" or "fools'" is in most texts, but next to the right unit in few.
    private readonly SearchValues<char> _triggers;
    private readonly char[] _triggerUnits;
    private readonly ulong[] _triggerKeys;

    /// <summary>
    /// Entries padded on both sides go to a <see cref="SpaceBoundedIndex"/>; the others (CJK, Thai, entries
    /// beginning or ending with punctuation) to a <see cref="SubstringAutomaton"/> of their padded forms.
    /// Either finds exactly the entries whose padded form is a substring of the spaced text.
    /// </summary>
    /// <param name="list">The metadata list.</param>
    /// <param name="mode">The curation mode (it decides the padding).</param>
    /// <param name="layout">
    /// How the index verifies its hits (the same ids either way); a metadata set chooses it per list under a
    /// memory budget (<see cref="RecordBudget"/>).
    /// </param>
    public EntryMatcher(MetadataList list, CurationMode mode, SpaceBoundedLayout layout = SpaceBoundedLayout.Strings)
    {
        ArgumentNullException.ThrowIfNull(list);
        List = list;
        Layout = layout;
        var boundedIds = new List<int>();
        var padded = new List<string>();
        var paddedIds = new List<int>();
        var triggers = new HashSet<char>();
        var triggerKeys = new HashSet<ulong>();
        for (int id = 0; id < list.Count; id++)
        {
            if (EntryPadding.IsPaddedOnBothSides(list.Entries.Span(id), mode)) // as RecordBytes counts them
            {
                boundedIds.Add(id);
            }
            else
            {
                string form = EntryPadding.Pad(list.Entries[id], mode);
                padded.Add(form);
                paddedIds.Add(id);
                triggers.Add(form[0] != ' ' ? form[0] : form[^1]);
                triggerKeys.Add(form.Length == 1 ? TriggerKey(Lone, form[0], '\0')
                    : form[0] != ' ' ? TriggerKey(Follower, form[0], form[1])
                    : TriggerKey(Leader, form[^1], form[^2]));
            }
        }

        _triggerUnits = [.. triggers.Order()];
        _triggers = SearchValues.Create(_triggerUnits);
        _triggerKeys = [.. triggerKeys.Order()];

        // The index reads the entries from the list's own block (no copy, no string per entry).
        int[] bounded = [.. boundedIds];
        _spaceBounded = bounded.Length > 0 ? new SpaceBoundedIndex(list.Entries, bounded, bounded, layout) : null;
        _automaton = padded.Count > 0 ? SubstringAutomaton.Build(padded) : null;
        _automatonIds = [.. paddedIds];
    }

    private EntryMatcher(MetadataList list, SpaceBoundedIndex? spaceBounded, SubstringAutomaton? automaton, int[] automatonIds, char[] triggerUnits, ulong[] triggerKeys)
    {
        _triggerKeys = triggerKeys;
        List = list;
        _spaceBounded = spaceBounded;
        _automaton = automaton;
        _automatonIds = automatonIds;
        _triggerUnits = triggerUnits;
        _triggers = SearchValues.Create(triggerUnits);
        Layout = spaceBounded?.Layout ?? SpaceBoundedLayout.Strings;
    }

    private EntryMatcher(EntryMatcher matcher, SpaceBoundedLayout layout, bool consume)
    {
        List = matcher.List;
        Layout = layout;
        _spaceBounded = consume ? matcher._spaceBounded?.ConsumeIntoLayout(layout) : matcher._spaceBounded?.WithLayout(layout);
        _automaton = matcher._automaton;
        _automatonIds = matcher._automatonIds;
        _triggerUnits = matcher._triggerUnits;
        _triggers = matcher._triggers;
        _triggerKeys = matcher._triggerKeys;
    }

    public MetadataList List { get; }

    /// <summary>How the space-bounded index verifies its hits (what it was asked for when the list has no such entries).</summary>
    public SpaceBoundedLayout Layout { get; }

    /// <summary>This matcher with its index in <paramref name="layout"/> (itself when it has it already); the automaton is shared.</summary>
    public EntryMatcher WithLayout(SpaceBoundedLayout layout) => layout == Layout ? this : new EntryMatcher(this, layout, consume: false);

    /// <summary>
    /// <see cref="WithLayout"/> that turns the index's table in place instead of copying it: only for a matcher
    /// no one else holds, such as one just read from a compiled file, which must not be used afterwards.
    /// </summary>
    internal EntryMatcher ConsumeIntoLayout(SpaceBoundedLayout layout) => layout == Layout ? this : new EntryMatcher(this, layout, consume: true);

    /// <summary>
    /// The bytes the records of <paramref name="list"/>'s space-bounded index take in
    /// <see cref="SpaceBoundedLayout.Records"/> (exactly what a build would allocate), without building it.
    /// </summary>
    public static long RecordBytes(MetadataList list, CurationMode mode)
    {
        ArgumentNullException.ThrowIfNull(list);
        var entries = list.Entries;
        long bytes = 0;
        for (int id = 0; id < entries.Count; id++)
        {
            var entry = entries.Span(id);
            if (EntryPadding.IsPaddedOnBothSides(entry, mode))
            {
                bytes += SpaceBoundedIndex.RecordBytesOf(entry.Length);
            }
        }

        return bytes;
    }

    /// <summary>The memory footprint of the index and the automaton in bytes.</summary>
    public long SizeInBytes => (_spaceBounded?.SizeInBytes ?? 0) + (_automaton?.SizeInBytes ?? 0) + ((long)_automatonIds.Length * sizeof(int));

    /// <summary>Writes the compiled matcher (not its list): see <see cref="MetaClip.Engine.Matching.CompiledMatcherFile"/>.</summary>
    internal void Write(CompiledWriter writer)
    {
        writer.WriteInt((_spaceBounded is null ? 0 : 1) | (_automaton is null ? 0 : 2));
        _spaceBounded?.Write(writer);
        _automaton?.Write(writer);
        writer.WriteArray<int>(_automatonIds);
        writer.WriteArray<char>(_triggerUnits);
        writer.WriteArray<ulong>(_triggerKeys);
    }

    /// <summary>Reads a matcher written by <see cref="Write"/> for <paramref name="list"/>.</summary>
    internal static EntryMatcher Read(CompiledReader reader, MetadataList list)
    {
        int parts = reader.ReadInt();
        if ((parts & ~3) != 0)
        {
            throw reader.Invalid($"unknown matcher parts {parts}");
        }

        var spaceBounded = (parts & 1) != 0 ? SpaceBoundedIndex.Read(reader, list.Entries) : null;
        var automaton = (parts & 2) != 0 ? SubstringAutomaton.Read(reader) : null;
        var automatonIds = reader.ReadArray<int>("automaton ids");
        var triggers = reader.ReadArray<char>("automaton triggers");
        var triggerKeys = reader.ReadArray<ulong>("automaton trigger pairs");
        if (automatonIds.Length != (automaton?.PatternCount ?? 0) || automatonIds.Any(id => (uint)id >= (uint)list.Count) ||
            (spaceBounded?.Count ?? 0) + automatonIds.Length != list.Count)
        {
            throw reader.Invalid("matcher: the entry ids do not cover the list");
        }

        return new EntryMatcher(list, spaceBounded, automaton, automatonIds, triggers, triggerKeys);
    }

    private const ulong Follower = 0, Leader = 1, Lone = 2;

    /// <summary>
    /// A pattern's trigger: its unit at an unpadded end with the unit next to it inside the pattern (the
    /// following one for a pattern that starts unpadded, the preceding one for one that ends unpadded), or
    /// the unit alone for a one-unit pattern.
    /// </summary>
    private static ulong TriggerKey(ulong side, char unit, char neighbour) => (side << 32) | ((ulong)unit << 16) | neighbour;

    /// <summary>
    /// False when no pattern's trigger is in <paramref name="spaced"/>, so none of them can be (a spaced text
    /// starts and ends with a space, which is never a trigger unit, so every unit found has both neighbours).
    /// </summary>
    private bool Triggered(ReadOnlySpan<char> spaced)
    {
        for (int at = spaced.IndexOfAny(_triggers); at >= 0;)
        {
            char unit = spaced[at];
            if (Array.BinarySearch(_triggerKeys, TriggerKey(Follower, unit, spaced[at + 1])) >= 0 ||
                Array.BinarySearch(_triggerKeys, TriggerKey(Leader, unit, spaced[at - 1])) >= 0 ||
                Array.BinarySearch(_triggerKeys, TriggerKey(Lone, unit, '\0')) >= 0)
            {
                return true;
            }

            int next = spaced[(at + 1)..].IndexOfAny(_triggers);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return false;
    }

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

        int max = CurationText.MaxSpacedLength(stripped.Length);
        var buffer = scratch.SpacedBuffer(max);
        var spaces = scratch.SpaceBuffer(max);
        var spaced = buffer[..CurationText.WriteSpaced(stripped, buffer, spaces, out int spaceCount)];
        _spaceBounded?.FindAll(spaced, spaces[..spaceCount], scratch.TokenHashBuffer(spaceCount), ref scratch.Matches);
        if (_automaton is not null && Triggered(spaced))
        {
            int from = scratch.Matches.Count;
            _automaton.FindAll(spaced, ref scratch.Matches);
            scratch.Matches.MapFrom(from, _automatonIds);
        }

        scratch.Matches.SortDistinct();
        return scratch.Matches.Items;
    }

    /// <summary>
    /// Matches many texts: appends each text's ids (ascending, distinct) to <paramref name="ids"/> and writes
    /// their number to <paramref name="counts"/>. Same result as <see cref="Match"/> text by text, faster: the
    /// automaton walks two texts at a time (see
    /// <see cref="SubstringAutomaton.FindAll(ReadOnlySpan{char}, ReadOnlySpan{char}, ref MatchList, ref MatchList)"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            int maxA = CurationText.MaxSpacedLength(first.Length), maxB = CurationText.MaxSpacedLength(second.Length);
            var a = scratch.SpacedBuffer(maxA);
            var b = scratch.SecondSpacedBuffer(maxB);
            var spacesA = scratch.SpaceBuffer(maxA);
            var spacesB = scratch.SecondSpaceBuffer(maxB);
            int countA = 0, countB = 0;
            var spacedA = first.IsEmpty ? [] : a[..CurationText.WriteSpaced(first, a, spacesA, out countA)];
            var spacedB = second.IsEmpty ? [] : b[..CurationText.WriteSpaced(second, b, spacesB, out countB)];
            scratch.Matches.Clear();
            scratch.SecondMatches.Clear();
            if (_spaceBounded is not null)
            {
                _spaceBounded.FindAll(spacedA, spacesA[..countA], scratch.TokenHashBuffer(countA), ref scratch.Matches);
                _spaceBounded.FindAll(spacedB, spacesB[..countB], scratch.TokenHashBuffer(countB), ref scratch.SecondMatches);
            }

            if (_automaton is not null)
            {
                bool walkA = Triggered(spacedA), walkB = Triggered(spacedB);
                int fromA = scratch.Matches.Count, fromB = scratch.SecondMatches.Count;
                if (walkA && walkB)
                {
                    _automaton.FindAll(spacedA, spacedB, ref scratch.Matches, ref scratch.SecondMatches);
                }
                else if (walkA)
                {
                    _automaton.FindAll(spacedA, ref scratch.Matches);
                }
                else if (walkB)
                {
                    _automaton.FindAll(spacedB, ref scratch.SecondMatches);
                }

                scratch.Matches.MapFrom(fromA, _automatonIds);
                scratch.SecondMatches.MapFrom(fromB, _automatonIds);
            }

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

    private int[] _spaces = new int[1024];
    private int[] _secondSpaces = new int[1024];
    private ulong[] _tokenHashes = new ulong[1024];

    internal Span<char> SpacedBuffer(int length) => Grow(ref _spaced, length);

    internal Span<char> SecondSpacedBuffer(int length) => Grow(ref _secondSpaced, length);

    internal Span<int> SpaceBuffer(int length) => Grow(ref _spaces, length);

    internal Span<int> SecondSpaceBuffer(int length) => Grow(ref _secondSpaces, length);

    /// <summary>Room for the token hashes of one text (<see cref="SpaceBoundedIndex"/>); reused by both texts of a pair.</summary>
    internal Span<ulong> TokenHashBuffer(int length) => Grow(ref _tokenHashes, length);

    private static T[] Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }

        return buffer;
    }
}
