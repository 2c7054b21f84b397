using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>fastText's text-to-rows step: tokenization, hashing, n-grams and the pruned bucket table.</summary>
public sealed class FastTextVocabularyTests
{
    private static readonly Lazy<FastTextModel> Model = new(() => FastTextModel.Load(File.ReadAllBytes(LidModelFile.Require()), "lid.176.ftz"));

    [Theory]
    [InlineData("", 2166136261u)]
    [InlineData("a", 0xE40C292Cu)]
    [InlineData("foobar", 0xBF9CF968u)]
    public void The_hash_is_fnv1a_on_ascii(string text, uint expected) =>
        Assert.Equal(expected, FastTextVocabulary.Hash(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void The_hash_sign_extends_bytes_above_0x7f()
    {
        // fastText XORs uint32_t(int8_t(byte)): 0xC3 becomes 0xFFFFFFC3, not 0x000000C3 as in plain FNV-1a.
        byte[] bytes = [0xC3, 0xA9]; // "é"
        uint signExtended = 2166136261;
        uint plain = 2166136261;
        foreach (byte b in bytes)
        {
            signExtended = (signExtended ^ 0xFFFFFF00u ^ b) * 16777619;
            plain = (plain ^ b) * 16777619;
        }

        Assert.Equal(signExtended, FastTextVocabulary.Hash(bytes));
        Assert.NotEqual(plain, FastTextVocabulary.Hash(bytes));
    }

    [SkippableFact]
    public void Only_ascii_whitespace_and_nul_separate_words()
    {
        var predictor = Model.Value.CreatePredictor();
        var vocabulary = Model.Value.Vocabulary;
        var predictions = new LidPrediction[1];

        // " \t\v\f\r\0" between two known words gives the same rows as a single space.
        predictor.Predict("de in", predictions);
        int[] spaced = predictor.LastRows.ToArray();
        foreach (string separator in new[] { "\t", "\v", "\f", "\r", "\0", "  \t " })
        {
            predictor.Predict("de" + separator + "in", predictions);
            Assert.Equal(spaced, predictor.LastRows.ToArray());
        }

        // NBSP, U+3000 and U+0085 are not separators: the two words become one unknown token.
        foreach (string inside in new[] { "\u00A0", "\u3000", "\u0085" })
        {
            predictor.Predict("de" + inside + "in", predictions);
            Assert.NotEqual(spaced, predictor.LastRows.ToArray());
            Assert.DoesNotContain(vocabulary.Find("de"u8, FastTextVocabulary.Hash("de"u8)), predictor.LastRows.ToArray());
        }

        // Every text ends with the end-of-sentence token, row 0 ("</s>" is the first word of lid.176).
        Assert.Equal(0, vocabulary.Find("</s>"u8, FastTextVocabulary.Hash("</s>"u8)));
        Assert.Equal(0, spaced[^1]);
    }

    [SkippableFact]
    public void A_known_word_adds_its_own_row_then_its_ngram_rows_and_an_unknown_word_only_ngram_rows()
    {
        var predictor = Model.Value.CreatePredictor();
        var vocabulary = Model.Value.Vocabulary;
        var predictions = new LidPrediction[1];
        int de = vocabulary.Find("de"u8, FastTextVocabulary.Hash("de"u8));
        Assert.True(de > 0);
        predictor.Predict("de", predictions);
        Assert.Equal([.. vocabulary.Subwords(de).ToArray(), 0], predictor.LastRows.ToArray());
        Assert.Equal(de, vocabulary.Subwords(de)[0]);
        Assert.All(vocabulary.Subwords(de)[1..].ToArray(), row => Assert.True(row >= vocabulary.WordCount));

        // "zzqx" is not a word: only n-gram rows (all after the words), then </s>.
        Assert.Equal(-1, vocabulary.Find("zzqx"u8, FastTextVocabulary.Hash("zzqx"u8)));
        predictor.Predict("zzqx", predictions);
        Assert.All(predictor.LastRows[..^1].ToArray(), row => Assert.True(row >= vocabulary.WordCount));
        Assert.Equal(0, predictor.LastRows[^1]);
    }

    [SkippableFact]
    public void Label_tokens_add_nothing_and_a_literal_end_of_sentence_ends_the_text()
    {
        var predictor = Model.Value.CreatePredictor();
        var predictions = new LidPrediction[1];
        predictor.Predict("hello world", predictions);
        int[] plain = predictor.LastRows.ToArray();
        predictor.Predict("hello __label__de world __label__nonexistent", predictions);
        Assert.Equal(plain, predictor.LastRows.ToArray());

        // The binding's semantics: the text ends at a literal </s> (its row is the last), the rest is not read.
        predictor.Predict("hello world </s> ignored words", predictions);
        Assert.Equal(plain, predictor.LastRows.ToArray());
    }

    [SkippableFact]
    public void Pruned_buckets_are_dropped_and_kept_ones_map_to_their_row()
    {
        var vocabulary = Model.Value.Vocabulary;
        Assert.True(vocabulary.IsPruned);
        Assert.Equal(50_000, Model.Value.Input.Rows);

        // Every n-gram row of every word lies in the pruned range, and not every bucket survived pruning:
        // the n-grams of many unknown tokens have fewer rows than n-grams.
        for (int id = 0; id < vocabulary.WordCount; id++)
        {
            Assert.All(vocabulary.Subwords(id)[1..].ToArray(), row => Assert.InRange(row, vocabulary.WordCount, 49_999));
        }

        var predictor = Model.Value.CreatePredictor();
        var predictions = new LidPrediction[1];
        predictor.Predict("qqqqqqqqqq", predictions);

        // "<qqqqqqqqqq>" (12 characters) has 11 + 10 + 9 = 30 n-grams of 2…4 characters; pruning keeps some
        // of their buckets, never more.
        Assert.InRange(predictor.LastRows.Length - 1, 0, 30);
    }

    [Fact]
    public void Pruning_to_zero_buckets_keeps_only_word_rows()
    {
        var model = TinyModels.Build(pruneToNothing: true);
        var predictor = model.CreatePredictor();
        var predictions = new LidPrediction[2];
        predictor.Predict("alpha unknownword", predictions);
        Assert.Equal([1, 0], predictor.LastRows.ToArray()); // "alpha" (id 1) and </s>, no n-grams at all
    }

    [Fact]
    public void Ngrams_follow_code_points_not_bytes()
    {
        // One unpruned bucket per n-gram: the rows of "é" are the hashes of "<é", "é>", "<é>" (minn 2, maxn 3);
        // a cut inside the two bytes of "é" would give other hashes.
        var model = TinyModels.Build(minn: 2, maxn: 3, bucket: 10_007);
        var predictor = model.CreatePredictor();
        var predictions = new LidPrediction[1];
        predictor.Predict("é", predictions);
        var expected = new[] { "<é", "<é>", "é>" }
            .Select(g => model.Vocabulary.WordCount + (int)(FastTextVocabulary.Hash(Encoding.UTF8.GetBytes(g)) % 10_007u))
            .Append(0)
            .ToArray();
        Assert.Equal(expected, predictor.LastRows.ToArray());
    }

    [Fact]
    public void Word_ngrams_hash_consecutive_word_hashes_sign_extended()
    {
        var model = TinyModels.Build(wordNgrams: 2, minn: 0, maxn: 0, bucket: 1000);
        var predictor = model.CreatePredictor();
        var predictions = new LidPrediction[1];
        predictor.Predict("alpha beta", predictions);
        int[] h = [(int)FastTextVocabulary.Hash("alpha"u8), (int)FastTextVocabulary.Hash("beta"u8), (int)FastTextVocabulary.Hash("</s>"u8)];
        ulong Bigram(int a, int b) => (((ulong)(long)a * 116049371) + (ulong)(long)b) % 1000;
        int words = model.Vocabulary.WordCount;
        Assert.Equal([1, 2, 0, words + (int)Bigram(h[0], h[1]), words + (int)Bigram(h[1], h[2])], predictor.LastRows.ToArray());
    }
}
