namespace MetaClip.Training;

/// <summary>
/// Image–text pairs to train on, with the pairs each epoch draws from them: all of them for a fixed curated set,
/// a fresh balanced draw per epoch for <see cref="OnlineCuration"/>.
/// </summary>
public interface IPairPool
{
    /// <summary>The side of the square, normalised images.</summary>
    int ImageSize { get; }

    /// <summary>Pair <c>i</c>'s text, for every pair an epoch can draw (the tokenizer is built from them).</summary>
    IReadOnlyList<string> Texts { get; }

    /// <summary>Copies pair <paramref name="index"/>'s normalised image, <c>(3, size, size)</c>, into <paramref name="destination"/>.</summary>
    void CopyImage(int index, Span<float> destination);

    /// <summary>The pairs of epoch <paramref name="epoch"/> (0-based), in pool order, before the epoch's shuffle.</summary>
    IReadOnlyList<int> EpochPairs(long epoch);
}
