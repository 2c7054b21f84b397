namespace MetaClip.Engine.Tests;

/// <summary>docs/curation-spec.md §2.1–2.2.</summary>
public class CurationTextTests
{
    [Theory]
    [InlineData(" \t\n\r\v\f a b \u00A0\u2028\u3000", "a b")]
    [InlineData("\u001C\u001D\u001E\u001Fx\u001F", "x")]
    [InlineData("\u200Bx\u200B", "\u200Bx\u200B")] // zero-width space is not whitespace in Python
    public void Strip_removes_what_python_isspace_accepts(string text, string expected) =>
        Assert.Equal(expected, CurationText.Strip(text).ToString());

    [Fact]
    public void Spacing_wraps_the_seven_split_characters()
    {
        Assert.Equal(" dog , cat . bird ; fish : owl ? bee ! ant ` emu ", CurationText.ToSpaced("dog,cat.bird;fish:owl?bee!ant`emu"));
    }

    [Fact]
    public void Spacing_turns_tab_newline_and_carriage_return_into_one_space_each()
    {
        Assert.Equal(" hot dog bun  roll ", CurationText.ToSpaced("hot\tdog\nbun\r\nroll"));
    }

    [Fact]
    public void Spacing_splits_nothing_else_and_collapses_nothing()
    {
        Assert.Equal(" (dog) dog-house dog/cat  'x' ", CurationText.ToSpaced("(dog) dog-house dog/cat  'x'"));
        Assert.Equal(" 3 . 14 ", CurationText.ToSpaced("3.14"));
    }

    [Fact]
    public void Spacing_does_not_lower_case_or_normalise()
    {
        Assert.Equal(" Ｄｏｇ Cafe\u0301 ", CurationText.ToSpaced("Ｄｏｇ Cafe\u0301"));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData(" \t\u00A0", true)]
    [InlineData(".", false)]
    public void Null_empty_and_whitespace_texts_are_skipped(string? text, bool skipped) =>
        Assert.Equal(skipped, CurationText.IsSkipped(text));

    [Fact]
    public void Spacing_with_positions_writes_the_spaced_form_and_every_space_at_every_length()
    {
        // Sixteen characters at a time where a block has no split character: random texts of 0–80 characters of letters,
        // blanks, split characters and non-ASCII, against the plain spaced form and the places of its spaces.
        const string Alphabet = "abcdefgh    \t\n\r,.;:?!`éß漢-'\u00A0\u3000";
        var random = new Random(11);
        for (int n = 0; n < 20_000; n++)
        {
            var chars = new char[random.Next(0, 81)];
            int splits = random.Next(4); // some texts have no split character at all, so whole blocks are copied
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[random.Next(splits == 0 ? 15 : Alphabet.Length)];
            }

            string text = new(chars);
            int max = CurationText.MaxSpacedLength(text.Length);
            var destination = new char[max + random.Next(0, 40)]; // a matcher's buffers may be larger, each its own size
            var spaces = new int[max + random.Next(0, 40)];
            int length = CurationText.WriteSpaced(text, destination, spaces, out int count);
            string spaced = new(destination, 0, length);
            var plain = new char[max];
            Assert.Equal(new string(plain, 0, CurationText.WriteSpaced(text, plain)), spaced);
            Assert.Equal(Enumerable.Range(0, length).Where(j => spaced[j] == ' '), spaces[..count]);
        }
    }
}
