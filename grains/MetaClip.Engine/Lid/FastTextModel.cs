using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Lid;

/// <summary>
/// A supervised fastText model (0.9.2 file format, version 11 or 12): quantized <c>.ftz</c> or plain
/// <c>.bin</c>, any loss. Immutable after loading and shared read-only by every thread; each thread predicts
/// with its own <see cref="FastTextPredictor"/>.
/// </summary>
public sealed class FastTextModel
{
    public const int FileMagic = 793712314;
    public const int FileVersion = 12;

    private FastTextModel(string name, FastTextArgs args, FastTextVocabulary vocabulary, FastTextMatrix input, FastTextMatrix output)
    {
        Name = name;
        Args = args;
        Vocabulary = vocabulary;
        Input = input;
        Output = output;
        Labels = vocabulary.Labels.Select(l => l.StartsWith(FastTextVocabulary.LabelPrefix, StringComparison.Ordinal) ? l[FastTextVocabulary.LabelPrefix.Length..] : l).ToArray();
        if (args.Loss == FastTextLoss.HierarchicalSoftmax)
        {
            Tree = new HierarchicalSoftmaxTree(vocabulary.LabelCounts);
        }

        SigmoidTable = BuildSigmoidTable();
        InputRows = input switch
        {
            DenseMatrix dense => dense.Values,
            QuantizedMatrix quantized when quantized.Rows * quantized.Columns <= MaxDecodedInputValues => quantized.Decode(),
            _ => null,
        };
    }

    /// <summary>A quantized input matrix is decoded once at load when it has at most this many values (256 MiB).</summary>
    private const long MaxDecodedInputValues = 64L << 20;

    /// <summary>
    /// The input matrix as plain rows (a dense model's own values, or a quantized model decoded at load), so that
    /// averaging a text's rows is a run of vector adds; null for a quantized matrix too large to decode.
    /// </summary>
    internal float[]? InputRows { get; }

    /// <summary>Where the model came from (used in messages).</summary>
    public string Name { get; }

    public FastTextArgs Args { get; }

    public FastTextVocabulary Vocabulary { get; }

    public FastTextMatrix Input { get; }

    public FastTextMatrix Output { get; }

    /// <summary>The labels without their <c>__label__</c> prefix, in model order (lid.176: <c>en</c>, <c>ru</c>, …).</summary>
    public IReadOnlyList<string> Labels { get; }

    internal HierarchicalSoftmaxTree? Tree { get; }

    internal float[] SigmoidTable { get; }

    public bool IsQuantized => Input is QuantizedMatrix;

    /// <summary>A new predictor over this model, for one thread.</summary>
    public FastTextPredictor CreatePredictor() => new(this);

    /// <summary>Loads a model file (a local path or an <c>az://</c> blob).</summary>
    public static async Task<FastTextModel> LoadAsync(DataStore store, string location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!DataStore.IsBlob(location) && Directory.Exists(location))
        {
            throw new CurationException($"LID model {location}: is a folder, not a model file (give the .ftz or .bin file)");
        }

        byte[] bytes;
        try
        {
            bytes = await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw new CurationException($"LID model {location}: no such file (download lid.176.ftz with the README's set-up, or give --lid-model PATH / METACLIP_LID_MODEL)");
        }
        catch (DirectoryNotFoundException)
        {
            throw new CurationException($"LID model {location}: no such file (download lid.176.ftz with the README's set-up, or give --lid-model PATH / METACLIP_LID_MODEL)");
        }

        return Load(bytes, location);
    }

    /// <summary>Reads a model from its bytes; <paramref name="name"/> names it in errors.</summary>
    public static FastTextModel Load(ReadOnlySpan<byte> bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            return LoadCore(bytes, name);
        }
        catch (Exception e) when (e is not (CurationException or OperationCanceledException))
        {
            // A header whose sizes do not add up (a bucket count of 2^31-1 overflows, a matrix too large to allocate).
            throw new CurationException($"LID model {name}: not a valid fastText model: {e.Message}", e);
        }
    }

    private static FastTextModel LoadCore(ReadOnlySpan<byte> bytes, string name)
    {
        var reader = new ModelReader(bytes, name);
        if (bytes.Length < 8)
        {
            throw reader.Error($"{bytes.Length} bytes: the file is truncated or not a fastText model");
        }

        int magic = reader.ReadInt32("the magic number");
        if (magic != FileMagic)
        {
            throw reader.Error($"not a fastText model (magic number {magic}, expected {FileMagic})");
        }

        int version = reader.ReadInt32("the version");
        if (version is < 11 or > FileVersion)
        {
            throw reader.Error($"fastText file version {version} is not supported (11 and 12 are)");
        }

        var args = ReadArgs(ref reader);
        if (args.Model != FastTextModelKind.Supervised)
        {
            throw reader.Error($"a {args.Model} model has no labels to predict: a supervised model is needed");
        }

        if (version == 11)
        {
            // fastText 0.9.2: supervised models of version 11 did not use character n-grams.
            args = args with { MaxN = 0 };
        }

        var vocabulary = ReadDictionary(ref reader, args);
        bool quantizedInput = reader.ReadBool("the quantized-input flag");
        var input = FastTextMatrix.Read(ref reader, quantizedInput, "input matrix");
        if (!quantizedInput && vocabulary.IsPruned)
        {
            throw reader.Error("the dictionary is pruned but the input matrix is not quantized: invalid model file");
        }

        bool quantizedOutput = reader.ReadBool("the quantized-output flag");
        var output = FastTextMatrix.Read(ref reader, quantizedInput && quantizedOutput, "output matrix");
        if (reader.Remaining != 0)
        {
            throw reader.Error($"{reader.Remaining} bytes follow the output matrix: not a fastText model");
        }

        long expectedRows = vocabulary.WordCount + (vocabulary.IsPruned ? input.Rows - vocabulary.WordCount : args.Bucket);
        if (input.Columns != args.Dim || output.Columns != args.Dim || input.Rows != expectedRows || input.Rows < vocabulary.WordCount)
        {
            throw reader.Error($"the matrices ({input.Rows} × {input.Columns} in, {output.Rows} × {output.Columns} out) do not fit dim {args.Dim}, {vocabulary.WordCount} words and {args.Bucket} buckets");
        }

        if (vocabulary.IsPruned && vocabulary.MaxPrunedRow >= input.Rows - vocabulary.WordCount)
        {
            throw reader.Error($"the prune table points at n-gram row {vocabulary.MaxPrunedRow}, but the input matrix has {input.Rows - vocabulary.WordCount} n-gram rows");
        }

        long outputRows = args.Loss == FastTextLoss.HierarchicalSoftmax ? vocabulary.LabelCount - 1 : vocabulary.LabelCount;
        if (output.Rows < outputRows || vocabulary.LabelCount == 0)
        {
            throw reader.Error($"the output matrix has {output.Rows} rows for {vocabulary.LabelCount} labels");
        }

        return new FastTextModel(name, args, vocabulary, input, output);
    }

    private static FastTextArgs ReadArgs(ref ModelReader reader)
    {
        int dim = reader.ReadInt32("dim");
        int ws = reader.ReadInt32("ws");
        int epoch = reader.ReadInt32("epoch");
        int minCount = reader.ReadInt32("minCount");
        int neg = reader.ReadInt32("neg");
        int wordNgrams = reader.ReadInt32("wordNgrams");
        int loss = reader.ReadInt32("loss");
        int model = reader.ReadInt32("model");
        int bucket = reader.ReadInt32("bucket");
        int minn = reader.ReadInt32("minn");
        int maxn = reader.ReadInt32("maxn");
        int lrUpdateRate = reader.ReadInt32("lrUpdateRate");
        double t = reader.ReadDouble("t");
        if (dim is <= 0 or > 1 << 16 || loss is < 1 or > 4 || model is < 1 or > 3 || bucket < 0 || minn < 0 || maxn < 0 || maxn > 64 || wordNgrams < 0)
        {
            throw reader.Error($"the header (dim {dim}, loss {loss}, model {model}, bucket {bucket}, minn {minn}, maxn {maxn}) is not a fastText model's");
        }

        return new FastTextArgs(dim, ws, epoch, minCount, neg, wordNgrams, (FastTextLoss)loss, (FastTextModelKind)model, bucket, minn, maxn, lrUpdateRate, t);
    }

    private static FastTextVocabulary ReadDictionary(ref ModelReader reader, FastTextArgs args)
    {
        int size = reader.ReadInt32("the dictionary size");
        int nwords = reader.ReadInt32("the word count");
        int nlabels = reader.ReadInt32("the label count");
        reader.ReadInt64("the token count");
        long pruneSize = reader.ReadInt64("the prune-table size");
        if (size < 0 || nwords < 0 || nlabels < 0 || (long)nwords + nlabels != size || size > reader.Remaining / 10 || pruneSize > reader.Remaining / 8)
        {
            throw reader.Error($"the dictionary claims {size} entries ({nwords} words, {nlabels} labels, {pruneSize} pruned buckets): not a fastText model");
        }

        var entries = new List<(byte[] Word, long Count, bool IsLabel)>(size);
        for (int i = 0; i < size; i++)
        {
            reader.Item = i;
            var word = reader.ReadCString("dictionary entry {0}");
            long count = reader.ReadInt64("the count of dictionary entry {0}");
            byte type = reader.ReadByte("the type of dictionary entry {0}");
            if (type > 1 || (type == 1) != (i >= nwords))
            {
                throw reader.Error($"dictionary entry {i} has type {type}: words come first (0), then labels (1)");
            }

            entries.Add((word.ToArray(), count, type == 1));
        }

        // fastText reads these pairs into a map: a bucket listed twice keeps its last row.
        var pruneBuckets = new int[Math.Max(0, pruneSize)];
        var pruneRows = new int[pruneBuckets.Length];
        for (int i = 0; i < pruneBuckets.Length; i++)
        {
            pruneBuckets[i] = reader.ReadInt32("a prune-table bucket");
            pruneRows[i] = reader.ReadInt32("a prune-table row");
            if (pruneRows[i] < 0)
            {
                throw reader.Error($"the prune table maps bucket {pruneBuckets[i]} to row {pruneRows[i]}: not a fastText model");
            }
        }

        return new FastTextVocabulary(entries, nwords, nlabels, pruneSize, pruneBuckets, pruneRows, args);
    }

    /// <summary>fastText's sigmoid table (<c>Loss::t_sigmoid_</c>), used by the binary-logistic losses.</summary>
    private static float[] BuildSigmoidTable()
    {
        var table = new float[FastTextPredictor.SigmoidTableSize + 1];
        for (int i = 0; i < table.Length; i++)
        {
            float x = ((float)(i * 2 * FastTextPredictor.MaxSigmoid) / FastTextPredictor.SigmoidTableSize) - FastTextPredictor.MaxSigmoid;
            table[i] = (float)(1.0 / (1.0 + MathF.Exp(-x)));
        }

        return table;
    }
}
