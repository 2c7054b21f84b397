using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Matching;

/// <summary>
/// Chooses, per list of a metadata set, how its <see cref="SpaceBoundedIndex"/> verifies hits. Records
/// (<see cref="SpaceBoundedLayout.Records"/>) match about 1.25x faster but hold every entry's characters a second
/// time; the budget bounds that copy for the whole set, so ordinary metadata (an English list of 500k entries, a
/// set of about a million entries over all languages) gets records and worldwide metadata still fits its memory.
/// </summary>
public static class RecordBudget
{
    /// <summary>
    /// The default bytes of records per metadata set: 128 MiB. Ordinary metadata gets records whole (the 500k-entry
    /// English list takes 15.7 MiB of them, the 975k entries of the 92-language set built from OMW, CLDR and
    /// FrequencyWords 28 MiB, so even a set five times that size is covered); the 27M-entry worldwide metadata gets
    /// them for its first few dozen of 300 lists and stays well under its 4 GB: all its records would add about
    /// 20 bytes an entry (over 500 MiB) and took it to 4.3 GB. Records replace 8 bytes an entry of the strings
    /// layout, so a full budget costs about its size in managed heap. (256 MiB was measured too: 3,612 MiB
    /// resident for the 27M entries, but a 4,028 MiB peak while all 300 compiled files were written.)
    /// </summary>
    public const long DefaultBytes = 128L << 20;

    /// <summary>
    /// The layout of each list: in ordinal order of the languages, a list gets records when its records fit in
    /// what the budget has left (which they then use up), else strings; a later, smaller list may still fit.
    /// Depends only on the lists, the mode and the budget, never on the order lists were loaded or built in.
    /// </summary>
    public static IReadOnlyDictionary<string, SpaceBoundedLayout> Assign(IEnumerable<MetadataList> lists, CurationMode mode, long budgetBytes)
    {
        ArgumentNullException.ThrowIfNull(lists);
        var ordered = lists.OrderBy(l => l.Language, StringComparer.Ordinal).ToArray();
        var bytes = new long[ordered.Length];
        Parallel.For(0, ordered.Length, i => bytes[i] = EntryMatcher.RecordBytes(ordered[i], mode));
        var layouts = new Dictionary<string, SpaceBoundedLayout>(StringComparer.Ordinal);
        long left = budgetBytes;
        for (int i = 0; i < ordered.Length; i++)
        {
            bool records = bytes[i] <= left && SpaceBoundedIndex.RecordsFit(bytes[i]);
            layouts.Add(ordered[i].Language, records ? SpaceBoundedLayout.Records : SpaceBoundedLayout.Strings);
            if (records)
            {
                left -= bytes[i];
            }
        }

        return layouts;
    }
}
