using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Curation;

/// <summary>One non-skipped text that matched at least one entry: a candidate of its image.</summary>
public readonly record struct MatchedText(
    int Row, int Image, int TextIndex, string Language, string LidLabel, int IdsStart, int IdsCount,
    string Text, string? Url, string? Key);

/// <summary>The result of pass 1 over one unit: its images, its matched texts and their entry ids.</summary>
public sealed class UnitMatches
{
    public required SnapshotUnit Unit { get; init; }

    public required int Rows { get; init; }

    /// <summary>Rows whose text is null, empty or only whitespace.</summary>
    public required int SkippedTexts { get; init; }

    /// <summary>Image uuids in order of first appearance in the unit.</summary>
    public required IReadOnlyList<string> Images { get; init; }

    /// <summary>The matched texts, in row order.</summary>
    public required IReadOnlyList<MatchedText> Matched { get; init; }

    /// <summary>Entry ids of all matched texts, each text's ids ascending at [IdsStart, IdsStart + IdsCount).</summary>
    public required int[] Ids { get; init; }

    /// <summary>Texts and matched texts per metadata language.</summary>
    public required IReadOnlyDictionary<string, LanguageTally> Languages { get; init; }

    /// <summary>The image column of the unit, if it has one.</summary>
    public string? ImageColumn { get; init; }

    /// <summary>
    /// Whether the matched texts carry their text, url and key, and <see cref="Images"/> its uuids. An intermediate read
    /// back (<see cref="UnitMatchesCodec"/>) does not: <see cref="WithTexts"/> takes them from the unit's rows again.
    /// </summary>
    public bool HasTexts { get; init; } = true;

    /// <summary>Whether any matched text has a key (the snapshot's key column).</summary>
    public bool HasKeys
    {
        get => _hasKeys ??= Matched.Any(m => m.Key is not null);
        init => _hasKeys = value;
    }

    private bool? _hasKeys;

    /// <summary>
    /// Whether <see cref="Matched"/> is an array of this instance alone (an intermediate just read back), which
    /// <see cref="WithTexts"/> may then fill in place instead of copying: a unit's matched texts are a large object.
    /// </summary>
    internal bool OwnsMatched { get; init; }

    public ReadOnlySpan<int> IdsOf(in MatchedText text) => Ids.AsSpan(text.IdsStart, text.IdsCount);

    /// <summary>
    /// These matches with their texts, urls, keys and uuids taken from <paramref name="rows"/>: the unit read again for
    /// pass 2. The rows must be the ones pass 1 matched; a unit that changed in between (another row count, a matched
    /// row now empty, rows of one image with different uuids) is an error naming it.
    /// </summary>
    /// <exception cref="CurationException">The rows are not those pass 1 matched.</exception>
    public UnitMatches WithTexts(UnitRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (HasTexts)
        {
            return this;
        }

        string Changed(string what) =>
            $"snapshot unit {Unit.Id} changed between the two passes ({what}); nothing was published: run the job again on an unchanged snapshot";
        if (rows.RowCount != Rows)
        {
            throw new CurationException(Changed($"{rows.RowCount:N0} rows now, {Rows:N0} when it was matched"));
        }

        var images = new string[Images.Count];
        var matched = OwnsMatched && Matched is MatchedText[] own ? own : new MatchedText[Matched.Count];
        for (int i = 0; i < matched.Length; i++)
        {
            var m = Matched[i];
            string? text = rows.Text[m.Row];
            string? uuid = rows.Uuid[m.Row];
            if (CurationText.IsSkipped(text) || uuid is null)
            {
                throw new CurationException(Changed($"{rows.Locate(m.Row)} has no text now"));
            }

            if (images[m.Image] is null)
            {
                images[m.Image] = uuid;
            }
            else if (!string.Equals(images[m.Image], uuid, StringComparison.Ordinal))
            {
                throw new CurationException(Changed($"{rows.Locate(m.Row)} has another uuid now"));
            }

            matched[i] = m with { Text = text!, Url = rows.Url?[m.Row], Key = rows.Key?[m.Row] };
        }

        for (int i = 0; i < images.Length; i++)
        {
            images[i] ??= string.Empty; // an image none of whose texts matched: never decided
        }

        return new UnitMatches
        {
            Unit = Unit,
            Rows = Rows,
            SkippedTexts = SkippedTexts,
            Images = images,
            Matched = matched,
            Ids = Ids,
            Languages = Languages,
            ImageColumn = ImageColumn,
        };
    }

    /// <summary>Number of non-skipped texts.</summary>
    public long Texts => Languages.Values.Sum(t => t.Texts);
}
