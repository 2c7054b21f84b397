using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>Texts that are hard on a predictor: nothing in them, very long, broken UTF-16, control characters.</summary>
public sealed class FastTextPredictorTests
{
    private static readonly Lazy<FastTextModel> Model = new(() => FastTextModel.Load(File.ReadAllBytes(LidModelFile.Require()), "lid.176.ftz"));

    [SkippableTheory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\v\f\r")]
    public void A_text_without_words_is_predicted_from_the_end_of_sentence_token_alone(string text)
    {
        var predictor = Model.Value.CreatePredictor();
        var predictions = new LidPrediction[3];
        Assert.Equal(3, predictor.Predict(text, predictions));
        Assert.Equal([0], predictor.LastRows.ToArray());
        var again = new LidPrediction[3];
        predictor.Predict("", again);
        Assert.Equal(again, predictions);
    }

    [SkippableFact]
    public void A_one_megabyte_text_is_predicted_and_the_predictor_goes_on_working()
    {
        var predictor = Model.Value.CreatePredictor();
        var predictions = new LidPrediction[1];
        string sentence = "Der schnelle braune Fuchs springt über den faulen Hund. ";
        string big = string.Concat(Enumerable.Repeat(sentence, (1 << 20) / sentence.Length));
        Assert.True(Encoding.UTF8.GetByteCount(big) >= 1 << 20);
        Assert.Equal(1, predictor.Predict(big, predictions));
        Assert.Equal("de", Model.Value.Labels[predictions[0].Label]);
        Assert.Equal(1, predictor.Predict("This is an English sentence.", predictions));
        Assert.Equal("en", Model.Value.Labels[predictions[0].Label]);
    }

    [SkippableFact]
    public void Lone_surrogates_are_read_as_replacement_characters()
    {
        var predictor = Model.Value.CreatePredictor();
        var a = new LidPrediction[3];
        var b = new LidPrediction[3];
        Assert.Equal(3, predictor.Predict("ein Haus \uD800 und \uDFFF ein Garten", a));
        Assert.Equal(3, predictor.Predict("ein Haus \uFFFD und \uFFFD ein Garten", b));
        Assert.Equal(b, a);
    }

    [SkippableFact]
    public void Control_characters_other_than_the_separators_stay_inside_words()
    {
        var predictor = Model.Value.CreatePredictor();
        var predictions = new LidPrediction[3];
        Assert.Equal(3, predictor.Predict("Haus\u0001Garten \u001B[31m rot \u007F", predictions));
        predictor.Predict("Haus\u0001Garten", predictions);
        int[] joined = predictor.LastRows.ToArray();
        predictor.Predict("Haus Garten", predictions);
        Assert.NotEqual(predictor.LastRows.ToArray(), joined);
        predictor.Predict("Haus\u001FGarten", predictions);
        Assert.NotEqual(predictor.LastRows.ToArray(), joined);
    }

    [SkippableFact]
    public void Curation_reads_newlines_as_spaces_and_strips_the_text()
    {
        var identifier = new LanguageIdentifier(Model.Value);
        var predictor = Model.Value.CreatePredictor();
        var direct = new LidPrediction[1];
        predictor.Predict("Das ist ein schönes Haus am See", direct);
        string expected = Model.Value.Labels[direct[0].Label];
        Assert.Equal(expected, identifier.Identify("  Das ist ein\nschönes Haus\r\nam See \u3000", predictor));

        // The binding, by contrast, ends a text at its first newline.
        predictor.Predict("Das\nist ein schönes Haus am See", direct);
        var first = new LidPrediction[1];
        predictor.Predict("Das", first);
        Assert.Equal(first[0], direct[0]);
    }

    [SkippableFact]
    public void Many_texts_in_parallel_get_the_labels_of_one_at_a_time()
    {
        string shared = SharedFolder.Require();
        var texts = FastTextReferenceTests.ReadTsv(Path.Combine(shared, "lid", "lingua-sentences.tsv")).Select(r => (string?)r[1]).Take(5000).ToList();
        texts[3] = null;
        texts[7] = "   ";
        var identifier = new LanguageIdentifier(Model.Value);
        var labels = identifier.IdentifyAll(texts, threads: 4, CancellationToken.None);
        var predictor = Model.Value.CreatePredictor();
        for (int i = 0; i < texts.Count; i++)
        {
            Assert.Equal(i is 3 or 7 ? null : identifier.Identify(texts[i], predictor), labels[i]);
        }
    }
}
