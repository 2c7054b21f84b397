using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Curation;

/// <summary>docs/formats.md "Grouping", docs/curation-spec.md §1.2, §2.5 and §3 on one unit.</summary>
public class UnitMatcherTests
{
    private static readonly MetadataSet Metadata = new(
        new Dictionary<string, MetadataList>
        {
            ["en"] = new("en", ["dog", "cat"], "en.json"),
            ["de"] = new("de", ["Hund", "dog"], "de.json"),
        },
        new LidMap(null, new HashSet<string> { "en", "de" }),
        CurationMode.V2);

    [Fact]
    public void Rows_with_the_same_uuid_are_one_image_adjacent_or_not_in_row_order()
    {
        var unit = Match(("a", "en", "dog"), ("b", "en", "cat"), ("a", "en", "cat"));
        Assert.Equal(["a", "b"], unit.Images);
        Assert.Equal([(0, 0), (0, 1), (1, 0)], unit.Matched.Select(m => (m.Image, m.TextIndex)).Order());
    }

    [Fact]
    public void A_skipped_text_takes_no_position_and_is_counted_as_skipped()
    {
        var unit = Match(("a", "en", "  "), ("a", "en", null), ("a", "en", "dog"));
        Assert.Equal(2, unit.SkippedTexts);
        Assert.Equal(0, Assert.Single(unit.Matched).TextIndex);
        Assert.Equal(1, unit.Languages["en"].Texts);
    }

    [Fact]
    public void Only_the_texts_own_metadata_language_is_searched()
    {
        var unit = Match(("a", "de", "dog Hund"), ("b", "en", "dog Hund"));
        var de = unit.Matched.Single(m => m.Image == 0);
        var en = unit.Matched.Single(m => m.Image == 1);
        Assert.Equal("de", de.Language);
        Assert.Equal([0, 1], unit.IdsOf(de).ToArray());
        Assert.Equal([0], unit.IdsOf(en).ToArray());
    }

    [Fact]
    public void Unknown_and_empty_labels_go_to_other_and_other_without_a_list_matches_nothing()
    {
        var unit = Match(("a", "sw", "dog"), ("b", "", "dog"));
        Assert.Empty(unit.Matched);
        Assert.Equal(2, unit.Languages["other"].Texts);
    }

    [Fact]
    public void Counts_are_per_text_an_entry_once_per_text_and_every_text_of_an_image_counts()
    {
        var unit = Match(("a", "en", "dog dog"), ("a", "en", "dog cat"), ("b", "en", "fish"));
        var counts = new EntryCounts("en", 2);
        foreach (var m in unit.Matched)
        {
            counts.AddMatchedSet(unit.IdsOf(m));
        }

        Assert.Equal([2UL, 1UL], counts.Values.ToArray());
        Assert.Equal(3, unit.Languages["en"].Texts);
        Assert.Equal(2, unit.Languages["en"].MatchedTexts);
    }

    internal static UnitMatches Match(params (string Uuid, string Lang, string? Text)[] rows) => Match(Rows(rows));

    internal static UnitMatches Match(UnitRows rows) => new UnitMatcher(Metadata, threads: 2).Match(rows, CancellationToken.None);

    internal static UnitRows Rows(params (string Uuid, string Lang, string? Text)[] rows)
    {
        var file = new SnapshotFile("mem.jsonl", "mem.jsonl", SnapshotFormat.Jsonl);
        return new UnitRows
        {
            Unit = new SnapshotUnit(file, -1),
            RowCount = rows.Length,
            Text = [.. rows.Select(r => r.Text)],
            Uuid = [.. rows.Select(r => (string?)r.Uuid)],
            Lang = [.. rows.Select(r => (string?)r.Lang)],
        };
    }
}
