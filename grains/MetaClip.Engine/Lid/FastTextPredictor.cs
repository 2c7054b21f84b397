using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace MetaClip.Engine.Lid;

/// <summary>
/// Predicts labels of texts with one <see cref="FastTextModel"/>, as fastText 0.9.2 <c>predictLine</c> does
/// (the CLI's <c>predict-prob</c>, the Python binding's <c>predict</c>): the text's input rows are averaged
/// into the hidden vector and scored by the model's loss; the k best labels above the threshold come back
/// best first, with <c>expf</c> of their float32 log-score. Not thread-safe: one per thread, reused from text
/// to text without allocating.
/// </summary>
public sealed class FastTextPredictor
{
    internal const int MaxSigmoid = 8;
    internal const int SigmoidTableSize = 512;

    private readonly FastTextModel _model;
    private readonly FastTextVocabulary _vocabulary;
    private readonly float[] _hidden;
    private readonly float[] _output;
    private readonly PredictionHeap _heap = new();
    private IntList _rows;
    private IntList _hashes;
    private byte[] _utf8 = new byte[1024];
    private byte[] _scratch = new byte[1024];
    private readonly WordRowsCache? _words;

    /// <param name="model">The model.</param>
    /// <param name="rememberWords">Whether to keep the rows of recent words (<see cref="WordRowsCache"/>) or compute every word's.</param>
    /// <param name="wordCacheSetBits">The size of that cache: 2^bits sets of two words.</param>
    internal FastTextPredictor(FastTextModel model, bool rememberWords = true, int wordCacheSetBits = WordRowsCache.DefaultSetBits)
    {
        _model = model;
        _words = rememberWords ? new WordRowsCache(wordCacheSetBits) : null;
        _vocabulary = model.Vocabulary;
        _hidden = new float[model.Args.Dim];
        _output = new float[model.Vocabulary.LabelCount];
        _rows.Clear();
        _hashes.Clear();
    }

    public FastTextModel Model => _model;

    /// <summary>The input rows of the last text, in fastText's order (for debugging against fastText).</summary>
    public ReadOnlySpan<int> LastRows => _rows.AsSpan();

    /// <summary>The rows of the words this predictor met recently (null when it keeps none).</summary>
    internal WordRowsCache? Words => _words;

    /// <summary>The hidden vector of the last text.</summary>
    public ReadOnlySpan<float> LastHidden => _hidden;

    /// <summary>
    /// The best label of one text (a single line: it ends at a newline or a literal <c>&lt;/s&gt;</c>, and the
    /// end-of-sentence token is added as the binding does), or -1 when fastText gives none.
    /// </summary>
    public int PredictTop(ReadOnlySpan<char> text, bool newlinesAsSpaces = false)
    {
        Span<LidPrediction> best = stackalloc LidPrediction[1];
        return Predict(text, newlinesAsSpaces, best) == 0 ? -1 : best[0].Label;
    }

    /// <summary>
    /// Up to <c>predictions.Length</c> labels of one text, best first, above <paramref name="threshold"/>.
    /// Returns how many were written (fewer when fastText's path probabilities fall below the threshold's floor).
    /// </summary>
    public int Predict(string text, Span<LidPrediction> predictions, float threshold = 0f)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Predict(text.AsSpan(), newlinesAsSpaces: false, predictions, threshold);
    }

    /// <summary>
    /// <see cref="Predict(string, Span{LidPrediction}, float)"/> over characters; with
    /// <paramref name="newlinesAsSpaces"/>, a newline inside the text separates words instead of ending it
    /// (curation's LID input, docs/curation-spec.md §1.1). Lone surrogates become U+FFFD, as UTF-8 has no other way to
    /// hold them.
    /// </summary>
    public int Predict(ReadOnlySpan<char> text, bool newlinesAsSpaces, Span<LidPrediction> predictions, float threshold = 0f)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_utf8.Length < max)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        int length = Encoding.UTF8.GetBytes(text, _utf8);
        var bytes = _utf8.AsSpan(0, length);
        if (newlinesAsSpaces)
        {
            bytes.Replace((byte)'\n', (byte)' ');
        }

        return PredictLine(bytes, endsWithNewline: true, predictions, threshold, out _, out _);
    }

    /// <summary>
    /// Predicts the first text of <paramref name="line"/> (UTF-8, any bytes; a newline or a literal
    /// <c>&lt;/s&gt;</c> token ends it): the CLI's per-line step. <paramref name="consumed"/> says how far it
    /// read and <paramref name="endedByToken"/> whether a literal <c>&lt;/s&gt;</c> stopped it, so that a caller
    /// can go on with the rest like the CLI does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int PredictLine(ReadOnlySpan<byte> line, bool endsWithNewline, Span<LidPrediction> predictions, float threshold, out int consumed, out bool endedByToken)
    {
        if (_scratch.Length < FastTextVocabulary.ScratchSize(line.Length))
        {
            _scratch = new byte[Math.Max(FastTextVocabulary.ScratchSize(line.Length), _scratch.Length * 2)];
        }

        _rows.Clear();
        consumed = _vocabulary.AddLine(line, endsWithNewline, ref _rows, ref _hashes, _scratch, _words, out endedByToken);
        _heap.Clear();
        int k = predictions.Length;
        if (_rows.Count == 0 || k == 0)
        {
            return 0;
        }

        ComputeHidden();
        switch (_model.Args.Loss)
        {
            case FastTextLoss.HierarchicalSoftmax:
                Dfs(k, StdLog(threshold), _model.Tree!.Root, 0f);
                break;
            case FastTextLoss.Softmax:
                ComputeSoftmax();
                FindKBest(k, threshold);
                break;
            default:
                ComputeSigmoids();
                FindKBest(k, threshold);
                break;
        }

        _heap.Sort();
        for (int i = 0; i < _heap.Count; i++)
        {
            var (score, label) = _heap[i];
            predictions[i] = new LidPrediction(label, MathF.Exp(score), score);
        }

        return _heap.Count;
    }

    /// <summary>fastText <c>computeHidden</c>: the sum of the rows, times float(1 / count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeHidden()
    {
        var hidden = _hidden.AsSpan();
        hidden.Clear();
        var rows = _rows.AsSpan();
        if (_model.InputRows is float[] packed && hidden.Length == 16 && Vector256.IsHardwareAccelerated)
        {
            // lid.176's 16 columns: the sums stay in two registers, row after row (the same adds, in the same order).
            ref float start = ref MemoryMarshal.GetArrayDataReference(packed);
            var low = Vector256<float>.Zero;
            var high = Vector256<float>.Zero;
            foreach (int row in rows)
            {
                ref float source = ref Unsafe.Add(ref start, (nint)(uint)row * 16);
                low += Vector256.LoadUnsafe(ref source);
                high += Vector256.LoadUnsafe(ref source, 8);
            }

            low.StoreUnsafe(ref MemoryMarshal.GetReference(hidden));
            high.StoreUnsafe(ref MemoryMarshal.GetReference(hidden), 8);
        }
        else if (_model.InputRows is float[] values)
        {
            // Element-wise float adds in row order: the same sums as fastText's, whatever the vector width.
            int dim = hidden.Length;
            int width = Vector<float>.Count;
            foreach (int row in rows)
            {
                var source = values.AsSpan(row * dim, dim);
                int j = 0;
                for (; j <= dim - width; j += width)
                {
                    (new Vector<float>(hidden[j..]) + new Vector<float>(source[j..])).CopyTo(hidden[j..]);
                }

                for (; j < dim; j++)
                {
                    hidden[j] += source[j];
                }
            }
        }
        else
        {
            var input = _model.Input;
            foreach (int row in rows)
            {
                input.AddRowTo(hidden, row);
            }
        }

        float scale = (float)(1.0 / rows.Length);
        for (int i = 0; i < hidden.Length; i++)
        {
            hidden[i] *= scale;
        }
    }

    /// <summary>fastText <c>std_log</c>: <c>log(x + 1e-5)</c> in double, back to float32.</summary>
    private static float StdLog(float x) => (float)Math.Log(x + 1e-5);

    /// <summary>
    /// fastText <c>HierarchicalSoftmaxLoss::dfs</c>: walks the tree, left child with <c>log(1 - f)</c>, right with
    /// <c>log(f)</c>, and cuts a branch once its score is below the threshold's log or below the k-th best.
    /// </summary>
    // Optimized at once: a recursive method without loops otherwise runs its first thousands of calls unoptimized
    // (profiles of curation showed it at tier 0).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Dfs(int k, float logThreshold, int node, float score)
    {
        if (score < logThreshold)
        {
            return;
        }

        if (_heap.Count == k && score < _heap.Front)
        {
            return;
        }

        var tree = _model.Tree!;
        if (tree.IsLeaf(node))
        {
            _heap.Push(score, node, k);
            return;
        }

        float f = _model.Output.DotRow(_hidden, node - tree.Leaves);
        f = (float)(1.0 / (1f + MathF.Exp(-f)));
        Dfs(k, logThreshold, tree.Left(node), score + StdLog((float)(1.0 - f)));
        Dfs(k, logThreshold, tree.Right(node), score + StdLog(f));
    }

    /// <summary>
    /// fastText <c>SoftmaxLoss::computeOutput</c>. Its unqualified <c>exp(output[i] - max)</c> resolves to the C
    /// library's double <c>exp</c> (then stored as float), which is what this does; no softmax model's reference
    /// output is at hand to confirm that bit for bit, as lid.176's (hierarchical softmax) confirms the rest.
    /// </summary>
    private void ComputeSoftmax()
    {
        var output = _output.AsSpan();
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = _model.Output.DotRow(_hidden, i);
        }

        float max = output[0], z = 0f;
        for (int i = 0; i < output.Length; i++)
        {
            max = Math.Max(output[i], max);
        }

        for (int i = 0; i < output.Length; i++)
        {
            output[i] = (float)Math.Exp(output[i] - max);
            z += output[i];
        }

        for (int i = 0; i < output.Length; i++)
        {
            output[i] /= z;
        }
    }

    /// <summary>fastText <c>BinaryLogisticLoss::computeOutput</c> (negative sampling, one-vs-all): table sigmoids.</summary>
    private void ComputeSigmoids()
    {
        var output = _output.AsSpan();
        var table = _model.SigmoidTable;
        for (int i = 0; i < output.Length; i++)
        {
            float x = _model.Output.DotRow(_hidden, i);
            output[i] = x < -MaxSigmoid ? 0f : x > MaxSigmoid ? 1f : table[(long)((x + MaxSigmoid) * SigmoidTableSize / MaxSigmoid / 2)];
        }
    }

    /// <summary>fastText <c>Loss::findKBest</c>.</summary>
    private void FindKBest(int k, float threshold)
    {
        var output = _output.AsSpan();
        for (int i = 0; i < output.Length; i++)
        {
            if (output[i] < threshold)
            {
                continue;
            }

            float score = StdLog(output[i]);
            if (_heap.Count == k && score < _heap.Front)
            {
                continue;
            }

            _heap.Push(score, i, k);
        }
    }
}
