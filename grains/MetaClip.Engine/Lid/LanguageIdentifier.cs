using System.Collections.Concurrent;

namespace MetaClip.Engine.Lid;

/// <summary>
/// Curation's language identification (docs/curation-spec.md §1.1): the top-1 label of a fastText LID model on the
/// text with <c>\n</c> and <c>\r</c> as spaces, stripped; no confidence threshold. Many texts at once, in
/// parallel, one predictor per worker thread over the shared read-only model. Predictors are kept from call to call
/// (each remembers the rows of the words it met, <see cref="WordRowsCache"/>), at most as many as ran at once.
/// </summary>
public sealed class LanguageIdentifier
{
    private readonly ConcurrentBag<FastTextPredictor> _predictors = [];

    /// <summary>The error of a MetaCLIP 2 job that has neither a language column nor a model.</summary>
    public const string NoModel = "no --lang-column and no LID model: give --lid-model PATH (or METACLIP_LID_MODEL), or name the snapshot's language column with --lang-column";

    private const int BatchSize = 1024;

    public LanguageIdentifier(FastTextModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    public FastTextModel Model { get; }

    /// <summary>The label of one text, or <c>""</c> when the model gives none (it goes to <c>other</c>).</summary>
    public string Identify(ReadOnlySpan<char> text, FastTextPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        int label = predictor.PredictTop(CurationText.Strip(text), newlinesAsSpaces: true);
        return label < 0 ? string.Empty : Model.Labels[label];
    }

    /// <summary>
    /// The labels of <paramref name="texts"/>: <c>labels[i]</c> for every text that is not skipped
    /// (<see cref="CurationText.IsSkipped"/>), null for the others. Batched over <paramref name="threads"/> threads.
    /// </summary>
    public string?[] IdentifyAll(IReadOnlyList<string?> texts, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var labels = new string?[texts.Count];
        int batches = (texts.Count + BatchSize - 1) / BatchSize;
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken },
            RentPredictor, (batch, _, predictor) =>
            {
                int end = Math.Min(texts.Count, (batch + 1) * BatchSize);
                for (int i = batch * BatchSize; i < end; i++)
                {
                    string? text = texts[i];
                    if (!CurationText.IsSkipped(text))
                    {
                        labels[i] = Identify(text, predictor);
                    }
                }

                return predictor;
            }, _predictors.Add);
        return labels;
    }

    private FastTextPredictor RentPredictor() => _predictors.TryTake(out var predictor) ? predictor : Model.CreatePredictor();
}
