using Parquet;
using Parquet.Schema;
using StbImageSharp;

namespace MetaClip.Training;

/// <summary>
/// Image–text pairs from curated Parquet shards (FORMATS.md "curated/": a <c>text</c> column and the image bytes,
/// <c>image</c>, <c>jpg</c> or <c>png</c>), each image decoded (PNG or JPEG), resized on its shorter side,
/// centre-cropped and normalised with CLIP's mean and standard deviation once, at load. A row whose image is
/// missing or cannot be decoded is skipped and reported (file and row), never a crash.
/// </summary>
public sealed class CuratedPairs
{
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];
    private static readonly string[] ImageColumns = ["image", "jpg", "png"];

    private readonly float[] _pixels;

    private CuratedPairs(int imageSize, List<string> texts, float[] pixels, List<string> skipped)
    {
        ImageSize = imageSize;
        Texts = texts;
        _pixels = pixels;
        Skipped = skipped;
    }

    public int ImageSize { get; }

    /// <summary>The pairs' texts, in file and row order; pair <c>i</c>'s image is <see cref="CopyImage"/>'s.</summary>
    public IReadOnlyList<string> Texts { get; }

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
        var images = new List<byte[]?>();
        var origins = new List<string>();
        foreach (string file in files)
        {
            await ReadFileAsync(file, texts, images, origins, cancellationToken).ConfigureAwait(false);
        }

        // Decode in parallel; keep the pairs whose image decodes, in order.
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

        var keptTexts = new List<string>();
        var skipped = new List<string>();
        int kept = decoded.Count(d => d is not null);
        var all = new float[(long)kept * length];
        int at = 0;
        for (int i = 0; i < decoded.Length; i++)
        {
            if (decoded[i] is float[] pixels)
            {
                pixels.CopyTo(all.AsSpan(at * length));
                keptTexts.Add(texts[i]!);
                at++;
            }
            else
            {
                skipped.Add(errors[i]!);
            }
        }

        return new CuratedPairs(imageSize, keptTexts, all, skipped);
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

    private static async Task ReadFileAsync(string file, List<string?> texts, List<byte[]?> images, List<string> origins, CancellationToken cancellationToken)
    {
        string name = Path.GetFileName(file);
        try
        {
            await using var stream = File.OpenRead(file);
            await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var text = fields.FirstOrDefault(f => f.Name.Equals("text", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDataException($"curated file {name}: has no \"text\" column");
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
                for (int r = 0; r < rows; r++)
                {
                    texts.Add(textValues[r]);
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
