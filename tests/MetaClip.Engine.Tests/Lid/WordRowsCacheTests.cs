using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>A predictor's remembered rows of words give exactly the rows it would compute.</summary>
public sealed class WordRowsCacheTests
{
    private static readonly Lazy<FastTextModel> Model = new(() => FastTextModel.Load(File.ReadAllBytes(LidModelFile.Require()), "lid.176.ftz"));

    [SkippableTheory]
    [InlineData(WordRowsCache.DefaultSetBits)]
    [InlineData(6)] // 128 words: nearly every word replaces another
    public void Remembered_rows_equal_computed_rows_across_repeats_long_words_labels_and_a_full_cache(int setBits)
    {
        var model = Model.Value;
        var remembering = new FastTextPredictor(model, rememberWords: true, wordCacheSetBits: setBits);
        var computing = new FastTextPredictor(model, rememberWords: false);
        Assert.NotNull(remembering.Words);
        Assert.Null(computing.Words);

        // 40,000 distinct made-up words in ASCII, Latin with accents, Cyrillic, CJK and emoji, some longer than the
        // longest word kept; vocabulary words, labels, and words alike in their first and last eight bytes that differ in
        // between. Each text draws from them with repeats, and the whole stream is predicted twice.
        var random = new Random(17);
        string[] alphabets = ["abcdefghijklmnopqrstuvwxyz", "àéîõüßçñ", "абвгдежзиклмн", "的一是不了人我在有他", "😀🐕🌍"];
        var words = new List<string>();
        for (int i = 0; i < 40_000; i++)
        {
            string alphabet = alphabets[i % alphabets.Length];
            var runes = alphabet.EnumerateRunes().ToArray();
            int length = i % 97 == 0 ? 20 + random.Next(40) : 1 + random.Next(12);
            var word = new StringBuilder();
            for (int c = 0; c < length; c++)
            {
                word.Append(runes[random.Next(runes.Length)].ToString());
            }

            words.Add(word.ToString() + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (int length = 1; length <= WordRowsCache.MaxWordBytes + 2; length++)
        {
            for (int at = 0; at < length; at++)
            {
                words.Add(new string('q', at) + "x" + new string('q', length - at - 1));
            }
        }

        words.AddRange(["the", "dog", "and", "cat", "de", "la", "__label__en", "__label__zz", "Wikipedia", "photograph"]);
        var texts = new List<string>();
        for (int t = 0; t < 30_000; t++)
        {
            int count = 1 + random.Next(8);
            texts.Add(string.Join(' ', Enumerable.Range(0, count).Select(_ => words[random.Next(random.Next(2) == 0 ? 500 : words.Count)])));
        }

        texts.AddRange(words.TakeLast(400));
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

        Assert.True(remembering.Words!.Replaced >= 1, "no word ever replaced another");
        Assert.True(remembering.Words.Count > 0);
    }

    [Fact]
    public void A_word_ngram_model_gets_the_hashes_of_remembered_words()
    {
        // Word bigrams: their rows come from the words' fastText hashes, which a remembered word gives back from its slot; a
        // remembered label adds neither rows nor a hash.
        var model = TinyModels.Build(wordNgrams: 2, minn: 0, maxn: 0, bucket: 1000);
        var remembering = new FastTextPredictor(model, rememberWords: true, wordCacheSetBits: 0);
        var computing = new FastTextPredictor(model, rememberWords: false);
        var a = new LidPrediction[2];
        var b = new LidPrediction[2];
        foreach (string text in new[] { "alpha beta", "beta alpha", "alpha beta", "gamma alpha beta", "alpha __label__a beta gamma delta", "__label__a alpha beta", "alpha __label__a beta", "beta alpha" })
        {
            Assert.Equal(computing.Predict(text, b), remembering.Predict(text, a));
            Assert.Equal(computing.LastRows.ToArray(), remembering.LastRows.ToArray());
            Assert.Equal(b, a);
        }

        Assert.True(remembering.Words!.Replaced >= 1);
    }

    [Fact]
    public void A_word_is_found_by_every_one_of_its_bytes()
    {
        // One set: a word with a byte changed is looked for where the word is, so only the comparison can tell them apart.
        var cache = new WordRowsCache(setBits: 0);
        for (int length = 1; length <= WordRowsCache.MaxWordBytes; length++)
        {
            var word = Enumerable.Range(0, length).Select(i => (byte)('a' + i)).ToArray();
            Assert.False(cache.TryGet(word, out var key, out _, out _, out _));
            cache.Add(key, (uint)length, isLabel: length % 5 == 0, [length, -length]);
            Assert.True(cache.TryGet(word, out _, out uint hash, out bool isLabel, out var rows));
            Assert.Equal((uint)length, hash);
            Assert.Equal(length % 5 == 0, isLabel);
            Assert.Equal([length, -length], rows);

            // The same length with any one byte changed is another word; so is one byte more or less.
            for (int at = 0; at < length; at++)
            {
                var other = (byte[])word.Clone();
                other[at] = (byte)'z';
                Assert.False(cache.TryGet(other, out _, out _, out _, out _), $"length {length}, byte {at}");
            }

            Assert.False(cache.TryGet(word.AsSpan(0, length - 1), out _, out _, out _, out _));
            Assert.False(cache.TryGet([.. word, (byte)('a' + length)], out _, out _, out _, out _));
            cache = new WordRowsCache(setBits: 0);
        }
    }

    [Fact]
    public void A_word_too_long_or_with_too_many_rows_is_not_kept()
    {
        var cache = new WordRowsCache(setBits: 4);
        var longWord = new byte[WordRowsCache.MaxWordBytes + 1];
        Assert.False(cache.TryGet(longWord, out var key, out _, out _, out _));
        cache.Add(key, 9, isLabel: false, [5]);
        Assert.False(cache.TryGet(longWord, out _, out _, out _, out _));

        Assert.False(cache.TryGet("many"u8, out key, out _, out _, out _));
        cache.Add(key, 5, isLabel: false, new int[WordRowsCache.MaxRows + 1]);
        Assert.False(cache.TryGet("many"u8, out _, out _, out _, out _));

        Assert.False(cache.TryGet("eight"u8, out key, out _, out _, out _));
        cache.Add(key, 5, isLabel: false, [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.True(cache.TryGet("eight"u8, out _, out _, out _, out var rows));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], rows);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_full_set_replaces_its_less_recently_used_word()
    {
        // One set of two words: every word goes there.
        var cache = new WordRowsCache(setBits: 0);
        Assert.Equal(2, cache.Capacity);
        Add(cache, "a", 1);
        Add(cache, "b", 2);
        Assert.True(cache.TryGet("a"u8, out _, out _, out _, out _)); // "a" is now the more recent
        Add(cache, "c", 3);
        Assert.Equal(1, cache.Replaced);
        Assert.True(cache.TryGet("a"u8, out _, out _, out _, out var a));
        Assert.Equal([1], a);
        Assert.False(cache.TryGet("b"u8, out _, out _, out _, out _));
        Assert.True(cache.TryGet("c"u8, out _, out _, out _, out var c));
        Assert.Equal([3], c);
        Assert.Equal(2, cache.Count);
    }

    private static void Add(WordRowsCache cache, string word, int row)
    {
        var bytes = Encoding.UTF8.GetBytes(word);
        Assert.False(cache.TryGet(bytes, out var key, out _, out _, out _));
        cache.Add(key, 0, isLabel: false, [row]);
    }
}
