using CsCheck;
using MetaClip.Engine.Matching;

namespace MetaClip.Engine.Tests.Matching;

public class SubstringAutomatonTests
{
    [Fact]
    public void Reports_every_occurrence_of_every_pattern_like_a_naive_search()
    {
        var letter = Gen.OneOf('a', 'b', 'c', ' ');
        var word = letter.Array[1, 5].Select(c => new string(c));
        Gen.Select(word.Array[1, 30], letter.Array[0, 40].Select(c => new string(c))).Sample((patterns, text) =>
        {
            var automaton = SubstringAutomaton.Build(patterns);
            var found = new MatchList(4);
            automaton.FindAll(text, ref found);
            var expected = new List<int>();
            for (int end = 1; end <= text.Length; end++)
            {
                for (int id = 0; id < patterns.Length; id++)
                {
                    int start = end - patterns[id].Length;
                    if (start >= 0 && string.CompareOrdinal(text, start, patterns[id], 0, patterns[id].Length) == 0)
                    {
                        expected.Add(id);
                    }
                }
            }

            return expected.Order().SequenceEqual(found.Items.ToArray().Order());
        }, iter: 3000);
    }

    [Fact]
    public void Equal_patterns_each_report_their_own_id()
    {
        var automaton = SubstringAutomaton.Build(["ab", "b", "ab"]);
        var found = new MatchList(4);
        automaton.FindAll("xab", ref found);
        Assert.Equal([0, 1, 2], found.Items.ToArray().Order());
    }

    [Fact]
    public void An_empty_pattern_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => SubstringAutomaton.Build(["a", ""]));
        Assert.Contains("Pattern 1 is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Characters_outside_the_patterns_reset_to_the_root()
    {
        var automaton = SubstringAutomaton.Build(["abc"]);
        var found = new MatchList(4);
        automaton.FindAll("abXabc", ref found);
        Assert.Equal([0], found.Items.ToArray());
        Assert.Equal(3, automaton.AlphabetSize);
    }

    [Fact]
    public void A_large_alphabet_of_cjk_patterns_builds_and_matches()
    {
        var patterns = Enumerable.Range(0, 5000).Select(i => new string([(char)(0x4E00 + i), (char)(0x4E00 + ((i * 31) % 5000))])).Distinct().ToArray();
        var automaton = SubstringAutomaton.Build(patterns);
        var found = new MatchList(4);
        automaton.FindAll(patterns[1234] + patterns[42], ref found);
        Assert.Contains(1234, found.Items.ToArray());
        Assert.Contains(42, found.Items.ToArray());
    }
}
