using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>
/// Small fastText model files written byte for byte in the 0.9.2 format (what <c>FastText::saveModel</c>
/// writes), for the losses, flags and failures that lid.176.ftz does not exercise.
/// Words: <c>&lt;/s&gt;</c>, <c>alpha</c>, <c>beta</c>; labels <c>__label__a</c>, <c>__label__b</c>, <c>__label__c</c>.
/// </summary>
internal static class TinyModels
{
    public static readonly string[] Words = ["</s>", "alpha", "beta"];
    public static readonly string[] LabelNames = ["__label__a", "__label__b", "__label__c"];

    public static byte[] Bytes(FastTextLoss loss = FastTextLoss.Softmax, int dim = 2, int minn = 2, int maxn = 3, int bucket = 16,
        int wordNgrams = 1, bool quantized = false, bool pruneToNothing = false, bool quantizedNorms = false, int version = 12,
        long[]? labelCounts = null, (int Bucket, int Row)[]? prune = null)
    {
        labelCounts ??= [30, 20, 10];
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(FastTextModel.FileMagic);
        w.Write(version);
        foreach (int v in new[] { dim, 5, 5, 1, 5, wordNgrams, (int)loss, (int)FastTextModelKind.Supervised, bucket, minn, maxn, 100 })
        {
            w.Write(v);
        }

        w.Write(1e-4);
        w.Write(Words.Length + LabelNames.Length);
        w.Write(Words.Length);
        w.Write(LabelNames.Length);
        w.Write(1000L);
        w.Write(prune is not null ? prune.Length : pruneToNothing ? 0L : -1L);
        for (int i = 0; i < Words.Length; i++)
        {
            w.Write(Encoding.UTF8.GetBytes(Words[i]));
            w.Write((byte)0);
            w.Write(100L - i);
            w.Write((byte)0);
        }

        for (int i = 0; i < LabelNames.Length; i++)
        {
            w.Write(Encoding.UTF8.GetBytes(LabelNames[i]));
            w.Write((byte)0);
            w.Write(labelCounts[i]);
            w.Write((byte)1);
        }

        foreach (var (b, row) in prune ?? [])
        {
            w.Write(b);
            w.Write(row);
        }

        long inputRows = Words.Length + (prune is not null ? prune.Length : pruneToNothing ? 0 : bucket);
        w.Write(quantized);
        if (quantized)
        {
            WriteQuantized(w, inputRows, dim, quantizedNorms);
        }
        else
        {
            WriteDense(w, inputRows, dim, seed: 1);
        }

        long outputRows = loss == FastTextLoss.HierarchicalSoftmax ? LabelNames.Length - 1 : LabelNames.Length;
        w.Write(false);
        WriteDense(w, outputRows, dim, seed: 2);
        w.Flush();
        return stream.ToArray();
    }

    public static FastTextModel Build(FastTextLoss loss = FastTextLoss.Softmax, int dim = 2, int minn = 2, int maxn = 3, int bucket = 16,
        int wordNgrams = 1, bool quantized = false, bool pruneToNothing = false, bool quantizedNorms = false, int version = 12) =>
        FastTextModel.Load(Bytes(loss, dim, minn, maxn, bucket, wordNgrams, quantized || pruneToNothing, pruneToNothing, quantizedNorms, version), "tiny.bin");

    /// <summary>A deterministic value in [-1, 1) for row, column and seed.</summary>
    public static float Value(long row, long column, int seed) => (((row * 31) + (column * 17) + (seed * 7)) % 23 / 11.5f) - 1f;

    private static void WriteDense(BinaryWriter w, long rows, int dim, int seed)
    {
        w.Write(rows);
        w.Write((long)dim);
        for (long r = 0; r < rows; r++)
        {
            for (int c = 0; c < dim; c++)
            {
                w.Write(Value(r, c, seed));
            }
        }
    }

    /// <summary>
    /// A quantized matrix with one sub-quantizer per column (dsub 1): row r's code for column c is (r + c) % 256,
    /// centroid k of sub-quantizer m is (k - 128) / 64 + m; norms (when asked) are (r % 4 + 1) / 2.
    /// </summary>
    private static void WriteQuantized(BinaryWriter w, long rows, int dim, bool norms)
    {
        w.Write(norms);
        w.Write(rows);
        w.Write((long)dim);
        w.Write((int)(rows * dim));
        for (long r = 0; r < rows; r++)
        {
            for (int c = 0; c < dim; c++)
            {
                w.Write((byte)((r + c) % 256));
            }
        }

        WritePq(w, dim, dim, 1, 1, (m, k) => ((k - 128) / 64f) + m);
        if (norms)
        {
            for (long r = 0; r < rows; r++)
            {
                w.Write((byte)(r % 4));
            }

            WritePq(w, 1, 1, 1, 1, (_, k) => (k + 1) / 2f);
        }
    }

    private static void WritePq(BinaryWriter w, int dim, int nsubq, int dsub, int lastdsub, Func<int, int, float> centroid)
    {
        w.Write(dim);
        w.Write(nsubq);
        w.Write(dsub);
        w.Write(lastdsub);
        for (int m = 0; m < nsubq; m++)
        {
            for (int k = 0; k < ProductQuantizer.Centroids; k++)
            {
                w.Write(centroid(m, k));
            }
        }
    }

    /// <summary>Expected decode of row r, column c of <see cref="WriteQuantized"/>'s matrix.</summary>
    public static float QuantizedValue(long row, int column, bool norms) =>
        ((((row + column) % 256) - 128) / 64f + column) * (norms ? ((row % 4) + 1) / 2f : 1f);
}
