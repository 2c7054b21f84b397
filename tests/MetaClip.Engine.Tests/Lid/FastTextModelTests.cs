using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>Model files (both formats, every loss), the Huffman tree, the tree search, and bad input.</summary>
public sealed class FastTextModelTests
{
    [SkippableFact]
    public void Lid176_loads_as_a_quantized_hierarchical_softmax_model_with_176_labels()
    {
        var model = FastTextModel.Load(File.ReadAllBytes(LidModelFile.Require()), "lid.176.ftz");
        Assert.Equal(FastTextLoss.HierarchicalSoftmax, model.Args.Loss);
        Assert.Equal(16, model.Args.Dim);
        Assert.Equal((2, 4), (model.Args.MinN, model.Args.MaxN));
        Assert.True(model.IsQuantized);
        Assert.True(((QuantizedMatrix)model.Input).HasNorms);
        Assert.IsType<DenseMatrix>(model.Output);
        Assert.Equal(176, model.Labels.Count);
        Assert.Equal(["en", "ru", "de"], model.Labels.Take(3));
        if (SharedFolder.Path is string shared)
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(shared, "lid", "lid176-labels.txt")), model.Labels);
        }
    }

    [Fact]
    public void A_quantized_row_decodes_each_part_from_its_centroid_scaled_by_its_norm()
    {
        foreach (bool norms in new[] { false, true })
        {
            var model = TinyModels.Build(dim: 3, quantized: true, quantizedNorms: norms);
            var matrix = Assert.IsType<QuantizedMatrix>(model.Input);
            Assert.Equal(norms, matrix.HasNorms);
            for (int row = 0; row < matrix.Rows; row++)
            {
                var x = new float[3];
                matrix.AddRowTo(x, row);
                Assert.Equal(Enumerable.Range(0, 3).Select(c => TinyModels.QuantizedValue(row, c, norms)), x);
                float[] v = [0.5f, -1f, 2f];
                float dot = ((v[0] * (x[0] / matrix.Norm(row))) + (v[1] * (x[1] / matrix.Norm(row))) + (v[2] * (x[2] / matrix.Norm(row)))) * matrix.Norm(row);
                Assert.Equal(dot, matrix.DotRow(v, row), 4);
            }
        }
    }

    [Fact]
    public void The_huffman_tree_joins_the_two_smallest_and_prefers_leaves_on_ties()
    {
        // Counts 30, 20, 10: node 3 = (leaf 2, leaf 1) with 30; node 4 = (node 3, leaf 0): a tie of 30 and 30
        // takes the inner node first, because a leaf is taken only when strictly smaller.
        var tree = new HierarchicalSoftmaxTree([30, 20, 10]);
        Assert.Equal(4, tree.Root);
        Assert.Equal((2, 1), (tree.Left(3), tree.Right(3)));
        Assert.Equal((3, 0), (tree.Left(4), tree.Right(4)));
        Assert.True(tree.IsLeaf(0) && tree.IsLeaf(1) && tree.IsLeaf(2));
        Assert.False(tree.IsLeaf(3));

        var single = new HierarchicalSoftmaxTree([5]);
        Assert.Equal(0, single.Root);
        Assert.True(single.IsLeaf(0));
    }

    [Fact]
    public void The_tree_search_finds_the_k_best_paths_and_prunes_below_the_threshold()
    {
        var model = TinyModels.Build(FastTextLoss.HierarchicalSoftmax, dim: 4);
        var predictor = model.CreatePredictor();
        var all = new LidPrediction[3];
        Assert.Equal(3, predictor.Predict("alpha beta", all));

        // Every leaf, scored by walking its path with fastText's arithmetic.
        var hidden = predictor.LastHidden.ToArray();
        var tree = model.Tree!;
        var scores = new Dictionary<int, float>();
        void Walk(int node, float score)
        {
            if (tree.IsLeaf(node))
            {
                scores[node] = score;
                return;
            }

            float f = model.Output.DotRow(hidden, node - tree.Leaves);
            f = (float)(1.0 / (1f + MathF.Exp(-f)));
            Walk(tree.Left(node), score + (float)Math.Log((float)(1.0 - f) + 1e-5));
            Walk(tree.Right(node), score + (float)Math.Log(f + 1e-5));
        }

        Walk(tree.Root, 0f);
        var best = scores.OrderByDescending(s => s.Value).ToList();
        Assert.Equal(best.Select(b => b.Key), all.Select(p => p.Label));
        Assert.Equal(best.Select(b => b.Value), all.Select(p => p.LogProbability));
        Assert.Equal(best.Select(b => MathF.Exp(b.Value)), all.Select(p => p.Probability));
        Assert.InRange(all.Sum(p => p.Probability), 0.999f, 1.0001f);

        // k = 1: only the best; a threshold above the second's probability leaves only the first.
        var one = new LidPrediction[1];
        Assert.Equal(1, predictor.Predict("alpha beta", one));
        Assert.Equal(all[0], one[0]);
        float between = (all[0].Probability + all[1].Probability) / 2;
        Assert.Equal(1, predictor.Predict("alpha beta", all, threshold: between));
        Assert.Equal(0, predictor.Predict("alpha beta", all, threshold: 1.5f));
    }

    [Theory]
    [InlineData(FastTextLoss.Softmax)]
    [InlineData(FastTextLoss.NegativeSampling)]
    [InlineData(FastTextLoss.OneVsAll)]
    public void Flat_losses_rank_every_label_by_its_output(FastTextLoss loss)
    {
        var model = TinyModels.Build(loss, dim: 4);
        var predictor = model.CreatePredictor();
        var all = new LidPrediction[3];
        Assert.Equal(3, predictor.Predict("alpha beta", all));
        Assert.True(all[0].LogProbability >= all[1].LogProbability && all[1].LogProbability >= all[2].LogProbability);
        Assert.Equal([0, 1, 2], all.Select(p => p.Label).Order());
        if (loss == FastTextLoss.Softmax)
        {
            Assert.InRange(all.Sum(p => p.Probability), 0.9999f, 1.0001f);
        }
    }

    [Fact]
    public void A_version_11_supervised_model_uses_no_character_ngrams()
    {
        var model = TinyModels.Build(version: 11);
        Assert.Equal(0, model.Args.MaxN);
        var predictor = model.CreatePredictor();
        predictor.Predict("alpha unknown", new LidPrediction[1]);
        Assert.Equal([1, 0], predictor.LastRows.ToArray());
    }

    [Fact]
    public void A_truncated_model_is_an_error_naming_the_file()
    {
        byte[] whole = TinyModels.Bytes();
        foreach (int length in new[] { 0, 3, 8, 40, 70, 90, whole.Length / 2, whole.Length - 1 })
        {
            var e = Assert.Throws<CurationException>(() => FastTextModel.Load(whole.AsSpan(0, length), "models/cut.ftz"));
            Assert.StartsWith("LID model models/cut.ftz: ", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_file_that_is_not_a_fasttext_model_is_an_error_naming_the_file()
    {
        var e = Assert.Throws<CurationException>(() => FastTextModel.Load(Encoding.UTF8.GetBytes("PAR1 this is a parquet file, not a model"), "snap.parquet"));
        Assert.Contains("LID model snap.parquet: not a fastText model (magic number", e.Message, StringComparison.Ordinal);

        byte[] newer = TinyModels.Bytes();
        BitConverter.GetBytes(13).CopyTo(newer, 4);
        e = Assert.Throws<CurationException>(() => FastTextModel.Load(newer, "new.bin"));
        Assert.Contains("version 13 is not supported", e.Message, StringComparison.Ordinal);

        byte[] trailing = [.. TinyModels.Bytes(), 1, 2, 3];
        e = Assert.Throws<CurationException>(() => FastTextModel.Load(trailing, "long.bin"));
        Assert.Contains("3 bytes follow the output matrix", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prune_table_pointing_past_the_input_matrix_is_an_error_not_a_crash_later()
    {
        // Two kept buckets, so two n-gram rows: row 2 does not exist.
        byte[] bad = TinyModels.Bytes(quantized: true, prune: [(3, 0), (7, 2)]);
        var e = Assert.Throws<CurationException>(() => FastTextModel.Load(bad, "pruned.ftz"));
        Assert.Contains("LID model pruned.ftz: the prune table points at n-gram row 2", e.Message, StringComparison.Ordinal);

        var good = FastTextModel.Load(TinyModels.Bytes(quantized: true, prune: [(3, 0), (7, 1)]), "pruned.ftz");
        Assert.True(good.Vocabulary.IsPruned);
        Assert.Equal(TinyModels.Words.Length + 2, good.Input.Rows);
        var predictor = good.CreatePredictor();
        predictor.Predict("alpha qqqq", new LidPrediction[1]);
        Assert.All(predictor.LastRows.ToArray(), row => Assert.InRange(row, 0, TinyModels.Words.Length + 1));
    }

    [Fact]
    public async Task A_missing_model_file_is_an_error_that_says_how_to_get_one()
    {
        using var dir = new TempFolder();
        var e = await Assert.ThrowsAsync<CurationException>(() => FastTextModel.LoadAsync(new MetaClip.Engine.Storage.DataStore(null), dir.Combine("lid.176.ftz")));
        Assert.Contains("lid.176.ftz: no such file", e.Message, StringComparison.Ordinal);
        Assert.Contains("METACLIP_LID_MODEL", e.Message, StringComparison.Ordinal);
    }
}
