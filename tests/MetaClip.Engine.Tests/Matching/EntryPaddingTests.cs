using MetaClip.Engine.Matching;

namespace MetaClip.Engine.Tests.Matching;

/// <summary>docs/curation-spec.md §2.3.</summary>
public class EntryPaddingTests
{
    [Theory]
    [InlineData(0x4E00)]
    [InlineData(0x9FFF)]
    [InlineData(0x3400)]
    [InlineData(0x20000)]
    [InlineData(0x2A700)]
    [InlineData(0x2B740)]
    [InlineData(0x2B820)]
    [InlineData(0x2CEB0)]
    [InlineData(0x2EBEF)]
    [InlineData(0xF900)]
    [InlineData(0x2E80)]
    [InlineData(0x2F00)]
    [InlineData(0x2FF0)]
    [InlineData(0x0E01)]
    [InlineData(0x0E80)]
    [InlineData(0x1000)]
    [InlineData(0x1780)]
    [InlineData(0x0F00)]
    public void Every_listed_range_is_cjk_or_similar(int codePoint) => Assert.True(EntryPadding.IsCjkOrSimilar(codePoint));

    [Fact]
    public void Every_code_point_is_classified_as_the_spec_says()
    {
        for (int codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (EntryPadding.IsCjkOrSimilar(codePoint) != SpecReference.IsCjk(codePoint))
            {
                Assert.Fail($"U+{codePoint:X4}: {EntryPadding.IsCjkOrSimilar(codePoint)}");
            }
        }
    }

    [Theory]
    [InlineData("dog", CurationMode.V2, true)]
    [InlineData("new york", CurationMode.V2, true)]
    [InlineData("手机", CurationMode.V2, false)]
    [InlineData("iPhone手机", CurationMode.V2, false)]
    [InlineData("'s", CurationMode.V2, false)]
    [InlineData("C++", CurationMode.V2, false)]
    [InlineData("C++", CurationMode.V1, true)]
    [InlineData("ねこ", CurationMode.V2, true)]
    [InlineData("x\uDC00", CurationMode.V2, true)]
    [InlineData("\uD840\uDC00x", CurationMode.V2, false)]
    public void Padded_on_both_sides_is_what_padding_does(string entry, CurationMode mode, bool both)
    {
        Assert.Equal(both, EntryPadding.IsPaddedOnBothSides(entry, mode));
        Assert.Equal(both, EntryPadding.Pad(entry, mode).Length == entry.Length + 2);
    }

    [Theory]
    [InlineData(0x3042)] // hiragana
    [InlineData(0x30AB)] // katakana
    [InlineData(0xAC00)] // hangul
    [InlineData(0x00BF)] // ¿
    [InlineData(0x0041)]
    [InlineData(0x2EBF0)]
    [InlineData(0xD800)] // a lone surrogate is a code point of its own, not CJK
    public void Kana_hangul_and_others_are_not(int codePoint) => Assert.False(EntryPadding.IsCjkOrSimilar(codePoint));

    [Fact]
    public void All_ascii_and_the_listed_cjk_punctuation_count_as_cjk_or_similar()
    {
        foreach (char c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：？！“”‘’（）【】《》〈〉「」『』～—")
        {
            Assert.True(EntryPadding.IsCjkOrSimilar(c), $"U+{(int)c:X4}");
        }
    }

    [Theory]
    [InlineData("dog", " dog ")]
    [InlineData("手机", "手机")]
    [InlineData("iPhone手机", " iPhone手机")]
    [InlineData("東京タワー", "東京タワー ")]
    [InlineData("ねこ", " ねこ ")]
    [InlineData("'s", "'s ")]
    [InlineData("C++", " C++")]
    [InlineData("\uD840\uDC00x", "\uD840\uDC00x ")]
    [InlineData("x\uDC00", " x\uDC00 ")]
    public void Padding_is_decided_by_the_first_and_last_code_point(string entry, string padded) =>
        Assert.Equal(padded, EntryPadding.Pad(entry, CurationMode.V2));

    [Fact]
    public void Metaclip1_mode_pads_every_entry_on_both_sides() =>
        Assert.Equal(" 手机 ", EntryPadding.Pad("手机", CurationMode.V1));
}
