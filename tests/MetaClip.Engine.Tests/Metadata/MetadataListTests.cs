using System.Text;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Tests.Metadata;

public class MetadataListTests
{
    [Fact]
    public void Ids_are_list_positions()
    {
        var list = Parse("[\"dog\", \"cat\", \"new york\"]");
        Assert.Equal(["dog", "cat", "new york"], list.Entries);
    }

    [Fact]
    public void A_duplicate_entry_is_an_error_naming_the_entry_and_both_ids()
    {
        var e = Assert.Throws<CurationException>(() => Parse("[\"dog\", \"cat\", \"fish\", \"cat\"]"));
        Assert.Contains("duplicate entry \"cat\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("ids 1 and 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("en.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_differing_only_in_case_or_normalisation_are_distinct()
    {
        Assert.Equal(3, Parse("[\"Dog\", \"dog\", \"e\\u0301\"]").Count);
    }

    [Fact]
    public void A_non_string_entry_is_an_error_naming_its_id()
    {
        var e = Assert.Throws<CurationException>(() => Parse("[\"dog\", 3]"));
        Assert.Contains("entry 1 is a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_entry_is_an_error()
    {
        var e = Assert.Throws<CurationException>(() => Parse("[\"dog\", \"\"]"));
        Assert.Contains("entry 1 is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_lone_surrogates_are_kept_as_code_units()
    {
        var list = Parse("[\"a\\udc00\", \"\\ud83d\\ude00\"]");
        Assert.Equal("a\uDC00", list.Entries[0]);
        Assert.Equal("\U0001F600", list.Entries[1]);
    }

    [Fact]
    public void Invalid_json_is_an_error_naming_the_file()
    {
        var e = Assert.Throws<CurationException>(() => Parse("[\"dog\", "));
        Assert.Contains("en.json", e.Message, StringComparison.Ordinal);
        Assert.Throws<CurationException>(() => Parse("{\"dog\": 1}"));
    }

    private static MetadataList Parse(string json) => MetadataList.Parse("en", Encoding.UTF8.GetBytes(json), "en.json");
}
