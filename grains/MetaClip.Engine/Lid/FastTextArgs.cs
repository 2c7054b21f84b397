namespace MetaClip.Engine.Lid;

/// <summary>The loss a fastText model was trained with; it decides how labels are scored.</summary>
public enum FastTextLoss
{
    HierarchicalSoftmax = 1,
    NegativeSampling = 2,
    Softmax = 3,
    OneVsAll = 4,
}

/// <summary>The kind of fastText model (only supervised models predict labels).</summary>
public enum FastTextModelKind
{
    Cbow = 1,
    SkipGram = 2,
    Supervised = 3,
}

/// <summary>
/// The training arguments stored in a fastText model header (fastText 0.9.2 <c>Args::save</c>): twelve
/// int32 fields, then <c>t</c> as a double. Only those that change prediction are used.
/// </summary>
public sealed record FastTextArgs(
    int Dim, int WindowSize, int Epoch, int MinCount, int Negatives, int WordNgrams, FastTextLoss Loss,
    FastTextModelKind Model, int Bucket, int MinN, int MaxN, int LrUpdateRate, double SamplingThreshold);
