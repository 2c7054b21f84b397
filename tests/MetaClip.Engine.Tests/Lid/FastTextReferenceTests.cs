using System.Globalization;
using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>
/// The managed predictor against fastText 0.9.2's own output with the real lid.176.ftz
/// (<c>shared/lid</c>): the same labels in the same order and the same float32 probabilities and
/// log-scores, on every line, including those where fastText gives fewer than three labels.
/// </summary>
public sealed class FastTextReferenceTests
{
    private static readonly Lazy<FastTextModel> Model = new(() => FastTextModel.Load(File.ReadAllBytes(LidModelFile.Require()), "lid.176.ftz"));

    [SkippableFact]
    public void Every_lingua_sentence_gets_fastTexts_top3_exactly()
    {
        string shared = SharedFolder.Require();
        LidModelFile.Require();
        var texts = ReadTsv(Path.Combine(shared, "lid", "lingua-sentences.tsv")).Select(r => r[1]).ToList();
        var expected = ReadTsv(Path.Combine(shared, "lid", "lingua-sentences.fasttext-top3-exact.tsv"));
        Assert.Equal(22_500, texts.Count);
        AssertAllExact(texts, expected, 0);
    }

    [SkippableFact]
    public void Every_edge_case_gets_fastTexts_top3_exactly()
    {
        string shared = SharedFolder.Require();
        LidModelFile.Require();
        var cases = ReadTsv(Path.Combine(shared, "lid", "lid-edge-cases.tsv"));
        var expected = ReadTsv(Path.Combine(shared, "lid", "lid-edge-cases.fasttext-top3-exact.tsv"));
        Assert.Equal(38, cases.Count);
        AssertAllExact(cases.Select(c => c[1]).ToList(), expected, 0);
    }

    [SkippableFact]
    public void The_debug_sample_has_fastTexts_feature_rows_and_hidden_vector()
    {
        string shared = SharedFolder.Require();
        LidModelFile.Require();
        var predictor = Model.Value.CreatePredictor();
        var rows = ReadTsv(Path.Combine(shared, "lid", "lid-debug-sample.tsv"));
        Assert.Equal(188, rows.Count);
        var predictions = new LidPrediction[3];
        foreach (var row in rows)
        {
            predictor.Predict(row[1], predictions);
            int[] features = row[3].Length == 0 ? [] : row[3].Split(' ').Select(int.Parse).ToArray();
            Assert.Equal(int.Parse(row[2], CultureInfo.InvariantCulture), features.Length);
            Assert.Equal(features, predictor.LastRows.ToArray());
            float[] hidden = row[4].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(hidden, predictor.LastHidden.ToArray());
        }
    }

    private static void AssertAllExact(List<string> texts, List<string[]> expected, int firstColumn)
    {
        Assert.Equal(texts.Count, expected.Count);
        var predictor = Model.Value.CreatePredictor();
        var predictions = new LidPrediction[3];
        var failures = new List<string>();
        int fewer = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            int count = predictor.Predict(texts[i], predictions);
            var want = expected[i];
            var got = new StringBuilder();
            var exp = new StringBuilder();
            int wantCount = 0;
            for (int j = 0; j < 3; j++)
            {
                string label = want[firstColumn + (3 * j)];
                if (label.Length == 0)
                {
                    continue;
                }

                wantCount++;
                exp.Append(CultureInfo.InvariantCulture, $"{label} {float.Parse(want[firstColumn + (3 * j) + 1], CultureInfo.InvariantCulture):R} {float.Parse(want[firstColumn + (3 * j) + 2], CultureInfo.InvariantCulture):R} ");
            }

            for (int j = 0; j < count; j++)
            {
                got.Append(CultureInfo.InvariantCulture, $"{Model.Value.Labels[predictions[j].Label]} {predictions[j].Probability:R} {predictions[j].LogProbability:R} ");
            }

            fewer += wantCount < 3 ? 1 : 0;
            if (got.ToString() != exp.ToString())
            {
                failures.Add($"line {i + 2}: expected [{exp}] got [{got}] for \"{texts[i][..Math.Min(60, texts[i].Length)]}\"");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n{string.Join('\n', failures.Take(20))}");
    }

    /// <summary>Data rows of a reference TSV, split on <c>\n</c> only (texts hold U+0085 and other line-like characters).</summary>
    internal static List<string[]> ReadTsv(string path)
    {
        string all = File.ReadAllText(path, Encoding.UTF8);
        var lines = all.Split('\n');
        int end = lines.Length;
        if (end > 0 && lines[end - 1].Length == 0)
        {
            end--;
        }

        return lines[1..end].Select(l => l.Split('\t')).ToList();
    }
}
