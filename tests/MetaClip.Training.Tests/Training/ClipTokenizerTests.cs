namespace MetaClip.Training.Tests.Training;

public sealed class ClipTokenizerTests
{
    // One caption per script: Latin, Han, kana, Hangul, Arabic, Devanagari, Cyrillic, Greek, Thai, Hebrew, Ethiopic, Georgian.
    private static readonly string[] Texts =
    [
        "A dog runs on the beach.", "一只狗在海滩上奔跑。", "犬が浜辺を走っている。", "개가 해변에서 달리고 있다.",
        "كلب يجري على الشاطئ.", "एक कुत्ता समुद्र तट पर दौड़ रहा है।", "Собака бежит по пляжу.", "Ένας σκύλος τρέχει στην παραλία.",
        "สุนัขวิ่งอยู่บนชายหาด", "כלב רץ על החוף.", "ውሻ በባህር ዳርቻ ላይ ይሮጣል።", "ძაღლი სანაპიროზე დარბის.",
    ];

    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    [Fact]
    public void A_real_sentencepiece_model_gives_spm_encodes_ids_after_the_reserved_ones_and_round_trips()
    {
        // Reference: Debian's spm_encode on the same model (tests/MetaClip.Training.Tests/Data/README.md).
        using var model = File.OpenRead(Data("fashion-cldr-bpe.model"));
        var tokenizer = ClipTokenizer.SentencePiece(model, "fashion-cldr-bpe.model");
        Assert.Equal("sentencepiece", tokenizer.Kind);
        Assert.Equal(ClipTokenizer.Reserved + 1500, tokenizer.VocabularySize);
        var cases = File.ReadLines(Data("fashion-cldr-bpe.spm_encode.jsonl")).Select(line =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            return (Text: doc.RootElement.GetProperty("text").GetString()!, Ids: doc.RootElement.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToList());
        }).ToList();
        Assert.Equal(102, cases.Count);
        foreach (var (text, ids) in cases)
        {
            var ours = tokenizer.EncodeTokens(text);
            Assert.Equal(ids.Select(id => id + ClipTokenizer.Reserved), ours);
            if (!ids.Contains(0))
            {
                Assert.Equal(text, tokenizer.Decode(ours));
            }
        }
    }

    [Fact]
    public void O200k_compacted_to_the_training_texts_round_trips_twelve_scripts()
    {
        var tokenizer = ClipTokenizer.O200k(Texts);
        Assert.True(tokenizer.VocabularySize < 400, $"{tokenizer.VocabularySize} rows: the vocabulary was not compacted");
        foreach (string text in Texts)
        {
            var ids = tokenizer.EncodeTokens(text);
            Assert.All(ids, id => Assert.InRange(id, ClipTokenizer.Reserved, tokenizer.VocabularySize - 1));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void A_row_is_start_tokens_end_and_padding_and_a_long_text_is_cut_before_the_end_token()
    {
        var tokenizer = ClipTokenizer.O200k(Texts);
        var row = new long[40];
        tokenizer.Encode(Texts[0], row);
        int length = tokenizer.EncodeTokens(Texts[0]).Count;
        Assert.Equal(ClipTokenizer.Start, row[0]);
        Assert.Equal(ClipTokenizer.End, row[1 + length]);
        Assert.All(row[(2 + length)..], id => Assert.Equal(ClipTokenizer.Pad, id));

        var shortRow = new long[4];
        tokenizer.Encode(Texts[6], shortRow);
        Assert.Equal([ClipTokenizer.Start, tokenizer.EncodeTokens(Texts[6])[0], tokenizer.EncodeTokens(Texts[6])[1], ClipTokenizer.End], shortRow);
    }

    [Fact]
    public void A_token_not_seen_in_the_training_texts_is_unknown_and_the_vocabulary_reloads()
    {
        var tokenizer = ClipTokenizer.O200k(Texts[..2]);
        Assert.Contains(ClipTokenizer.Unknown, tokenizer.EncodeTokens("Собака"));
        var reloaded = ClipTokenizer.O200k(tokenizer.KeptTokens!);
        Assert.Equal(tokenizer.EncodeTokens(Texts[1]), reloaded.EncodeTokens(Texts[1]));
    }

    [Fact]
    public void A_file_that_is_not_a_sentencepiece_model_is_an_error_naming_it()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.SentencePiece(new MemoryStream("not a model"u8.ToArray()), "spm.model"));
        Assert.Contains("tokenizer spm.model", e.Message, StringComparison.Ordinal);
    }
}
