using static TorchSharp.torch;

namespace MetaClip.Training;

/// <summary>Zero-shot accuracy in one language: overall (top-1), and per class.</summary>
public sealed record ZeroShotResult(string Language, int Images, double Accuracy, IReadOnlyList<double> ClassAccuracy);

/// <summary>Image↔text retrieval recall@1/5/10 over one language's pairs.</summary>
public sealed record RetrievalResult(string Language, int Pairs, double ImageToText1, double ImageToText5, double ImageToText10, double TextToImage1, double TextToImage5, double TextToImage10);

/// <summary>
/// Multilingual evaluation of a CLIP model: zero-shot classification (class embeddings are the normalised mean of
/// the class name in each template, per language) and image↔text retrieval recall@k (per language).
/// </summary>
public static class Evaluation
{
    private const int Chunk = 256;

    /// <summary>
    /// Top-1 zero-shot accuracy of <paramref name="images"/> (normalised pixels, <c>(n, 3, size, size)</c> packed) with
    /// <paramref name="labels"/>, against <paramref name="classNames"/> in <paramref name="templates"/> (each holding
    /// <c>{}</c> where the name goes; none: the bare name). A class without a name in this language (null) is left
    /// out, and so are its images: the language is scored over the classes it names.
    /// </summary>
    public static ZeroShotResult ZeroShot(ClipModel model, ClipTokenizer tokenizer, string language, float[] images, int[] labels,
        IReadOnlyList<string?> classNames, IReadOnlyList<string>? templates = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        templates = templates is { Count: > 0 } ? templates : ["{}"];

        // The classes this language names, and the images of those classes (a language may name a subset).
        int[] named = [.. Enumerable.Range(0, classNames.Count).Where(k => !string.IsNullOrWhiteSpace(classNames[k]))];
        var position = new Dictionary<int, int>();
        for (int k = 0; k < named.Length; k++)
        {
            position[named[k]] = k;
        }

        int length = 3 * model.Config.ImageSize * model.Config.ImageSize;
        int[] chosen = [.. Enumerable.Range(0, labels.Length).Where(i => position.ContainsKey(labels[i]))];
        float[] pixels = chosen.Length == labels.Length ? images : new float[chosen.Length * length];
        if (!ReferenceEquals(pixels, images))
        {
            for (int j = 0; j < chosen.Length; j++)
            {
                images.AsSpan(chosen[j] * length, length).CopyTo(pixels.AsSpan(j * length, length));
            }
        }

        var correct = new int[classNames.Count];
        var total = new int[classNames.Count];
        if (chosen.Length > 0 && named.Length > 0)
        {
            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var prompts = new List<string>();
            foreach (int k in named)
            {
                prompts.AddRange(templates.Select(t => t.Replace("{}", classNames[k], StringComparison.Ordinal)));
            }

            var texts = EncodeTexts(model, tokenizer, prompts).reshape(named.Length, templates.Count, -1).mean([1]);
            texts = nn.functional.normalize(texts, dim: -1);
            var predicted = EncodeImages(model, pixels, chosen.Length).matmul(texts.t()).argmax(1).data<long>().ToArray();
            for (int j = 0; j < chosen.Length; j++)
            {
                int label = labels[chosen[j]];
                total[label]++;
                if (named[predicted[j]] == label)
                {
                    correct[label]++;
                }
            }
        }

        return new ZeroShotResult(language, chosen.Length, (double)correct.Sum() / Math.Max(1, chosen.Length),
            [.. correct.Select((c, k) => total[k] == 0 ? double.NaN : (double)c / total[k])]);
    }

    /// <summary>Recall@1/5/10 both ways over pairs <c>(images[i], texts[i])</c>; pair i's own text is the only right answer.</summary>
    public static RetrievalResult Retrieval(ClipModel model, ClipTokenizer tokenizer, string language, float[] images, IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var imageEmbeddings = EncodeImages(model, images, texts.Count);
        var textEmbeddings = EncodeTexts(model, tokenizer, texts);
        var similarity = imageEmbeddings.matmul(textEmbeddings.t());
        var (i1, i5, i10) = Recall(similarity);
        var (t1, t5, t10) = Recall(similarity.t());
        return new RetrievalResult(language, texts.Count, i1, i5, i10, t1, t5, t10);
    }

    private static (double At1, double At5, double At10) Recall(Tensor similarity)
    {
        // The rank of the right answer: how many candidates score higher than it.
        var right = similarity.diagonal().unsqueeze(1);
        var rank = (similarity > right).sum(1).data<long>().ToArray();
        double n = Math.Max(1, rank.Length);
        return (rank.Count(r => r < 1) / n, rank.Count(r => r < 5) / n, rank.Count(r => r < 10) / n);
    }

    private static Tensor EncodeImages(ClipModel model, float[] images, int count)
    {
        int size = model.Config.ImageSize, length = 3 * size * size;
        if (images.Length != (long)count * length)
        {
            throw new ArgumentException($"{images.Length} pixel values are not {count} images of 3×{size}×{size}", nameof(images));
        }

        // One tensor for all images, encoded a slice at a time (no copy per slice).
        var all = tensor(images, [count, 3, size, size]);
        var parts = new List<Tensor>();
        for (int start = 0; start < count; start += Chunk)
        {
            parts.Add(model.EncodeImages(all.narrow(0, start, Math.Min(Chunk, count - start))));
        }

        return cat(parts, 0);
    }

    private static Tensor EncodeTexts(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<string> texts)
    {
        int context = model.Config.ContextLength;
        var parts = new List<Tensor>();
        for (int start = 0; start < texts.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, texts.Count - start);
            var tokens = new long[n * context];
            for (int j = 0; j < n; j++)
            {
                tokenizer.Encode(texts[start + j], tokens.AsSpan(j * context, context));
            }

            using var batch = tensor(tokens, [n, context]);
            parts.Add(model.EncodeTexts(batch));
        }

        return cat(parts, 0);
    }
}
