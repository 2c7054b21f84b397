using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>A predictor's remembered rows of unknown words give exactly the rows it would compute.</summary>
public sealed class UnknownWordRowsTests
{
    private static readonly Lazy<FastTextModel> Model = new(() => FastTextModel.Load(File.ReadAllBytes(LidModelFile.Require()), "lid.176.ftz"));

    [SkippableFact]
    public void Remembered_rows_equal_computed_rows_across_repeats_long_words_and_a_full_table()
    {
        var model = Model.Value;
        var remembering = model.CreatePredictor();
        var computing = new FastTextPredictor(model, rememberUnknownWords: false);
        Assert.NotNull(remembering.UnknownWords);
        Assert.Null(computing.UnknownWords);

        // 40,000 distinct made-up words (more than the table holds, so it is emptied at least once), in ASCII, Latin
        // with accents, Cyrillic, CJK and emoji, some longer than the longest word kept; each text draws from them
        // with repeats, and the whole stream is predicted twice.
        var random = new Random(17);
        string[] alphabets = ["abcdefghijklmnopqrstuvwxyz", "àéîõüßçñ", "абвгдежзиклмн", "的一是不了人我在有他", "😀🐕🌍"];
        var words = new string[40_000];
        for (int i = 0; i < words.Length; i++)
        {
            string alphabet = alphabets[i % alphabets.Length];
            var runes = alphabet.EnumerateRunes().ToArray();
            int length = i % 97 == 0 ? 40 + random.Next(40) : 1 + random.Next(12);
            var word = new StringBuilder();
            for (int c = 0; c < length; c++)
            {
                word.Append(runes[random.Next(runes.Length)].ToString());
            }

            words[i] = word.ToString() + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var texts = new List<string>();
        for (int t = 0; t < 30_000; t++)
        {
            int count = 1 + random.Next(8);
            texts.Add(string.Join(' ', Enumerable.Range(0, count).Select(_ => words[random.Next(random.Next(2) == 0 ? 500 : words.Length)])));
        }

        texts.Add("the dog and the cat"); // vocabulary words go through the vocabulary, not the table
        var a = new LidPrediction[3];
        var b = new LidPrediction[3];
        for (int round = 0; round < 2; round++)
        {
            foreach (string text in texts)
            {
                int n = remembering.Predict(text, a);
                Assert.Equal(computing.Predict(text, b), n);
                Assert.Equal(computing.LastRows.ToArray(), remembering.LastRows.ToArray());
                Assert.Equal(b.AsSpan(0, n).ToArray(), a.AsSpan(0, n).ToArray());
            }
        }

        Assert.True(remembering.UnknownWords!.Resets >= 1, "the table was never full");
        Assert.True(remembering.UnknownWords.Count > 0);
    }

    [Fact]
    public void A_word_is_found_by_its_bytes_not_only_its_hash()
    {
        var table = new UnknownWordRows();
        table.Add("abc"u8, 7, [1, 2, 3]);
        table.Add("abd"u8, 7, [4]);
        Assert.True(table.TryGet("abc"u8, 7, out var abc));
        Assert.Equal([1, 2, 3], abc.ToArray());
        Assert.True(table.TryGet("abd"u8, 7, out var abd));
        Assert.Equal([4], abd.ToArray());
        Assert.False(table.TryGet("abe"u8, 7, out _));
        Assert.False(table.TryGet("abc"u8, 8, out _));

        // A word longer than the longest kept is computed each time.
        var longWord = new byte[UnknownWordRows.MaxWordBytes + 1];
        table.Add(longWord, 9, [5]);
        Assert.False(table.TryGet(longWord, 9, out _));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void A_small_table_empties_itself_when_full_and_passes_over_a_word_whose_rows_it_cannot_hold()
    {
        var table = new UnknownWordRows(slotBits: 4); // 8 words, 64 bytes of words, 32 rows
        for (int i = 0; i < 8; i++)
        {
            table.Add([(byte)('a' + i)], (uint)i, [i]);
        }

        Assert.Equal(8, table.Count);
        Assert.Equal(0, table.Resets);
        table.Add("z"u8, 99, [99]);
        Assert.Equal(1, table.Resets);
        Assert.Equal(1, table.Count);
        Assert.False(table.TryGet("a"u8, 0, out _));
        Assert.True(table.TryGet("z"u8, 99, out var z));
        Assert.Equal([99], z.ToArray());

        table.Add("many"u8, 5, new int[33]);
        Assert.False(table.TryGet("many"u8, 5, out _));
        Assert.Equal(1, table.Count);
    }
}
