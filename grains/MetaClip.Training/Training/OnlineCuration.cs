using MetaClip.Engine.Curation;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Training;

/// <summary>
/// MetaCLIP 2's online curation: the matched pool of a curation job (every matched text of every matched image,
/// with its image) and, per epoch <c>e</c>, the spec's draw (docs/curation-spec.md §5) with <c>epoch = e</c> over it —
/// one text chosen per image and the image kept with its probability, from the job's own thresholds. Epoch 0 is
/// exactly the job's curated set; later epochs are fresh balanced draws of the same size in expectation.
/// </summary>
public sealed class OnlineCuration : IPairPool
{
    private readonly MatchedSnapshot _matched;
    private readonly ulong _seed;
    private readonly int[] _unitStart;
    private readonly int[] _slotOf;
    private readonly float[] _pixels;
    private readonly Lock _lock = new();
    private (long Epoch, int[] Pairs) _lastDraw = (-1, []);

    private OnlineCuration(MatchedSnapshot matched, ulong seed, int imageSize, int[] unitStart, List<string> texts, int[] slotOf, float[] pixels, IReadOnlyList<string> skipped)
    {
        _matched = matched;
        _seed = seed;
        ImageSize = imageSize;
        _unitStart = unitStart;
        Texts = texts;
        _slotOf = slotOf;
        _pixels = pixels;
        Skipped = skipped;
    }

    /// <inheritdoc/>
    public int ImageSize { get; }

    /// <summary>Every matched text of the pool, unit by unit in row order: the candidates the draws choose from.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Candidates left out because their image is missing or cannot be decoded (origin and reason).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>The thresholds recomputed from the pool's counts (equal to the job's when the pool is the job's).</summary>
    public ThresholdTable Thresholds => _matched.Thresholds;

    /// <summary>Images with at least one matched text.</summary>
    public int MatchedImages { get; private init; }

    /// <summary>
    /// Matches the job's snapshot again (pass 1, nothing written) and reads the candidates' images.
    /// <paramref name="job"/> is the curation job as it ran (its snapshot, metadata, mode, columns, thresholds and seed).
    /// </summary>
    public static async Task<OnlineCuration> BuildAsync(CurationOptions job, int imageSize, DataStore? store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var pipeline = new CurationPipeline(job, progress: null, store);
        var matched = await pipeline.MatchAsync(cancellationToken).ConfigureAwait(false);
        var unitStart = new int[matched.Units.Count + 1];
        var texts = new List<string>();
        var images = new List<byte[]?>();
        var origins = new List<string>();
        int matchedImages = 0;
        for (int u = 0; u < matched.Units.Count; u++)
        {
            var unit = matched.Units[u];
            unitStart[u] = texts.Count;
            if (unit.Matched.Count == 0)
            {
                continue;
            }

            var values = await ParquetUnitReader.ReadImagesAsync(store ?? DataStore.Local, unit.Unit, job.Columns, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"snapshot file {unit.Unit.File.Path}: has no image column (image, jpg or png): online curation needs the image bytes");
            matchedImages += unit.Matched.Select(m => m.Image).Distinct().Count();
            foreach (var text in unit.Matched)
            {
                texts.Add(text.Text);
                images.Add(values[text.Row]);
                origins.Add($"snapshot file {unit.Unit.File.Path} row group {unit.Unit.RowGroup} row {text.Row}");
            }
        }

        unitStart[^1] = texts.Count;
        var decoded = CuratedPairs.DecodeAll(texts, images, origins, imageSize, cancellationToken);
        var slotOf = new int[texts.Count];
        Array.Fill(slotOf, -1);
        for (int slot = 0; slot < decoded.Kept.Count; slot++)
        {
            slotOf[decoded.Kept[slot]] = slot;
        }

        return new OnlineCuration(matched, job.Seed, imageSize, unitStart, texts, slotOf, decoded.Pixels, decoded.Skipped) { MatchedImages = matchedImages };
    }

    /// <inheritdoc/>
    public void CopyImage(int index, Span<float> destination)
    {
        int length = 3 * ImageSize * ImageSize;
        int slot = _slotOf[index];
        if (slot < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"candidate {index} has no decodable image");
        }

        _pixels.AsSpan(slot * length, length).CopyTo(destination);
    }

    /// <summary>
    /// The candidates epoch <paramref name="epoch"/> keeps: per matched image, the text the draw at that epoch chooses
    /// when it keeps the image (a kept candidate whose image did not decode is left out, see <see cref="Skipped"/>).
    /// </summary>
    public IReadOnlyList<int> EpochPairs(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        lock (_lock)
        {
            if (_lastDraw.Epoch == epoch)
            {
                return _lastDraw.Pairs;
            }
        }

        var pairs = new List<int>();
        for (int u = 0; u < _matched.Units.Count; u++)
        {
            var unit = _matched.Units[u];
            foreach (var decision in ImageSampler.Decide(unit, _matched.Thresholds, _seed, (ulong)epoch))
            {
                if (!decision.Kept)
                {
                    continue;
                }

                int index = _unitStart[u] + IndexOfRow(unit.Matched, decision.Chosen.Row);
                if (_slotOf[index] >= 0)
                {
                    pairs.Add(index);
                }
            }
        }

        int[] drawn = [.. pairs];
        lock (_lock)
        {
            _lastDraw = (epoch, drawn);
        }

        return drawn;
    }

    /// <summary>The decisions of epoch <paramref name="epoch"/> (uuid, chosen text, kept), for checks against a job's output.</summary>
    public IEnumerable<ImageDecision> Decisions(long epoch) =>
        _matched.Units.SelectMany(unit => ImageSampler.Decide(unit, _matched.Thresholds, _seed, (ulong)epoch));

    private static int IndexOfRow(IReadOnlyList<MatchedText> matched, int row)
    {
        // Matched texts are in row order: binary search by row.
        int lo = 0, hi = matched.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int r = matched[mid].Row;
            if (r == row)
            {
                return mid;
            }

            if (r < row)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        throw new InvalidOperationException($"the chosen text of row {row} is not among the unit's matched texts");
    }
}
