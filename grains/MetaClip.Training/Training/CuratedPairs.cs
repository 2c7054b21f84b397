using Parquet;
using StbImageSharp;

namespace MetaClip.Training;

/// <summary>Decoded images: the pixels of those that decoded, packed in order, their indexes, and what was left out.</summary>
public sealed record DecodedImages(float[] Pixels, IReadOnlyList<int> Kept, IReadOnlyList<string> Skipped);

/// <summary>
/// Image–text pairs from curated Parquet shards (docs/formats.md "curated/": a <c>text</c> column and the image bytes,
/// <c>image</c>, <c>jpg</c> or <c>png</c>), each image decoded (PNG or JPEG), resized on its shorter side,
/// centre-cropped and normalised with CLIP's mean and standard deviation once, at load. A row whose image is
/// missing or cannot be decoded is skipped and reported (file and row), never a crash.
/// </summary>
public sealed class CuratedPairs : IPairPool
{
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];
    private static readonly string[] ImageColumns = ["image", "jpg", "png"];

    private readonly float[] _pixels;
    private int[]? _all;

    private CuratedPairs(int imageSize, List<string> texts, List<string> languages, float[] pixels, List<string> skipped)
    {
        ImageSize = imageSize;
        Texts = texts;
        Languages = languages;
        _pixels = pixels;
        Skipped = skipped;
    }

    /// <inheritdoc/>
    public int ImageSize { get; }

    /// <summary>The pairs' texts, in file and row order; pair <c>i</c>'s image is <see cref="CopyImage"/>'s.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Pair <c>i</c>'s language (the <c>lang</c> column; empty when the file has none).</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>Rows left out, each with its file, row and what was wrong.</summary>
    public IReadOnlyList<string> Skipped { get; }

    public int Count => Texts.Count;

    /// <summary>Copies pair <paramref name="index"/>'s normalised image, <c>(3, size, size)</c>, into <paramref name="destination"/>.</summary>
    public void CopyImage(int index, Span<float> destination)
    {
        int length = 3 * ImageSize * ImageSize;
        _pixels.AsSpan(index * length, length).CopyTo(destination);
    }

    /// <summary>Loads a curated Parquet file or a folder of them (<c>*.parquet</c>, in name order).</summary>
    public static async Task<CuratedPairs> LoadAsync(string location, int imageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        var files = Directory.Exists(location) ? Directory.GetFiles(location, "*.parquet").Order(StringComparer.Ordinal).ToList()
            : File.Exists(location) ? [location]
            : throw new FileNotFoundException($"curated pairs {location}: no such file or folder");
        if (files.Count == 0)
        {
            throw new InvalidDataException($"curated pairs {location}: no .parquet file in the folder");
        }

        var texts = new List<string?>();
        var languages = new List<string?>();
        var images = new List<byte[]?>();
        var origins = new List<string>();
        foreach (string file in files)
        {
            await ReadFileAsync(file, texts, languages, images, origins, cancellationToken).ConfigureAwait(false);
        }

        var decoded = DecodeAll(texts, images, origins, imageSize, cancellationToken);
        var keptTexts = new List<string>(decoded.Kept.Count);
        var keptLanguages = new List<string>(decoded.Kept.Count);
        foreach (int i in decoded.Kept)
        {
            keptTexts.Add(texts[i]!);
            keptLanguages.Add(languages[i] ?? "");
        }

        return new CuratedPairs(imageSize, keptTexts, keptLanguages, decoded.Pixels, [.. decoded.Skipped]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> EpochPairs(long epoch) => _all ??= [.. Enumerable.Range(0, Count)];

    /// <summary>
    /// Decodes every pair's image in parallel. Returns the pixels of the pairs that decode, packed in order, their
    /// indexes, and one line per pair left out (its origin and what was wrong: no text, no image bytes, undecodable).
    /// </summary>
    public static DecodedImages DecodeAll(IReadOnlyList<string?> texts, IReadOnlyList<byte[]?> images, IReadOnlyList<string> origins, int imageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(origins);
        int length = 3 * imageSize * imageSize;
        var decoded = new float[]?[images.Count];
        var errors = new string?[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var pixels = new float[length];
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                errors[i] = $"{origins[i]}: no text";
            }
            else if (images[i] is not byte[] bytes || bytes.Length == 0)
            {
                errors[i] = $"{origins[i]}: no image bytes";
            }
            else if (TryDecode(bytes, imageSize, pixels, out string? error))
            {
                decoded[i] = pixels;
            }
            else
            {
                errors[i] = $"{origins[i]}: the image cannot be decoded ({error})";
            }
        });

        var kept = new List<int>();
        var skipped = new List<string>();
        var all = new float[(long)decoded.Count(d => d is not null) * length];
        for (int i = 0; i < decoded.Length; i++)
        {
            if (decoded[i] is float[] pixels)
            {
                pixels.CopyTo(all.AsSpan(kept.Count * length));
                kept.Add(i);
            }
            else
            {
                skipped.Add(errors[i]!);
            }
        }

        return new DecodedImages(all, kept, skipped);
    }

    /// <summary>
    /// Decodes PNG or JPEG bytes to RGB, resizes so the shorter side is <paramref name="size"/> (bilinear), crops the
    /// centre square and writes it normalised, channels first.
    /// </summary>
    public static bool TryDecode(byte[] bytes, int size, Span<float> destination, out string? error)
    {
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException or OverflowException)
        {
            error = e.Message;
            return false;
        }

        if (image is null || image.Width <= 0 || image.Height <= 0)
        {
            error = "no pixels";
            return false;
        }

        double scale = (double)size / Math.Min(image.Width, image.Height);
        double offsetX = ((image.Width * scale) - size) / 2, offsetY = ((image.Height * scale) - size) / 2;
        for (int y = 0; y < size; y++)
        {
            double sourceY = Math.Clamp(((y + offsetY + 0.5) / scale) - 0.5, 0, image.Height - 1);
            int y0 = (int)sourceY, y1 = Math.Min(y0 + 1, image.Height - 1);
            double fy = sourceY - y0;
            for (int x = 0; x < size; x++)
            {
                double sourceX = Math.Clamp(((x + offsetX + 0.5) / scale) - 0.5, 0, image.Width - 1);
                int x0 = (int)sourceX, x1 = Math.Min(x0 + 1, image.Width - 1);
                double fx = sourceX - x0;
                for (int c = 0; c < 3; c++)
                {
                    double top = Pixel(image, x0, y0, c) + ((Pixel(image, x1, y0, c) - Pixel(image, x0, y0, c)) * fx);
                    double bottom = Pixel(image, x0, y1, c) + ((Pixel(image, x1, y1, c) - Pixel(image, x0, y1, c)) * fx);
                    double value = (top + ((bottom - top) * fy)) / 255.0;
                    destination[(c * size * size) + (y * size) + x] = (float)((value - Mean[c]) / Std[c]);
                }
            }
        }

        error = null;
        return true;
    }

    private static byte Pixel(ImageResult image, int x, int y, int channel) => image.Data[(((y * image.Width) + x) * 3) + channel];

    private static async Task ReadFileAsync(string file, List<string?> texts, List<string?> languages, List<byte[]?> images, List<string> origins, CancellationToken cancellationToken)
    {
        string name = Path.GetFileName(file);
        try
        {
            await using var stream = File.OpenRead(file);
            await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var text = fields.FirstOrDefault(f => f.Name.Equals("text", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDataException($"curated file {name}: has no \"text\" column");
            var lang = fields.FirstOrDefault(f => f.Name.Equals("lang", StringComparison.OrdinalIgnoreCase));
            var image = fields.FirstOrDefault(f => ImageColumns.Contains(f.Name, StringComparer.OrdinalIgnoreCase))
                ?? throw new InvalidDataException($"curated file {name}: has no image column (image, jpg or png): curate a snapshot with image bytes to train on it");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                var textValues = new string?[rows];
                var imageValues = new byte[]?[rows];
                await group.ReadAsync(text, textValues.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.ReadAsync(image, imageValues.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
                var langValues = new string?[rows];
                if (lang is not null)
                {
                    await group.ReadAsync(lang, langValues.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                for (int r = 0; r < rows; r++)
                {
                    texts.Add(textValues[r]);
                    languages.Add(langValues[r]);
                    images.Add(imageValues[r]);
                    origins.Add($"curated file {name} row group {g} row {r}");
                }
            }
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException || e is NotSupportedException || e is InvalidOperationException)
        {
            throw new InvalidDataException($"curated file {name}: cannot be read: {e.Message}", e);
        }
    }
}
