using System.Text.Json;
using MetaClip.Engine.Curation;
using Parquet;
using Parquet.Schema;
using StbImageWriteSharp;

namespace MetaClip.Bench.Training;

/// <summary>One alt-text of the synthetic crawl: an image of a class, captioned with the class's CLDR name in a language.</summary>
internal sealed record PoolRow(string Uuid, string Text, string Lang, int Class, int Image);

/// <summary>
/// A long-tailed, language-skewed "crawl" from Fashion-MNIST: class <c>r</c> (by rank) is drawn with weight
/// <c>r^-1.5</c>, English with 40 % of rows and the other languages with Zipf-decaying shares, and each row's text is
/// the class's real CLDR name in its language (Unicode CLDR 48.2 via derived-class-labels). Images 0..7999 of the
/// test split feed the pool, 8000..9999 are held out for evaluation. Deterministic in (count, seed).
/// </summary>
internal static class FashionPool
{
    /// <summary>The Fashion-MNIST classes that have a CLDR name in every locale (Pullover and Shirt have none), head first.</summary>
    public static readonly int[] Classes = [0, 1, 3, 4, 5, 7, 8, 9];

    public static readonly string[] Languages = ["en", "de", "fr", "es", "zh", "ja", "ru", "ar", "ko", "tr", "vi", "el"];

    public const int HeldOutFrom = 8000;

    /// <summary>JSON as people read it: indented, non-ASCII names written as they are.</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Class names per language (index = position in <see cref="Classes"/>).</summary>
    public static Dictionary<string, string[]> Names(string labelsJson)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(labelsJson));
        var byLocale = doc.RootElement.GetProperty("labels_by_locale");
        var names = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (string language in Languages)
        {
            var list = byLocale.GetProperty(language);
            names[language] = [.. Classes.Select(c => list[c].GetString() ?? throw new InvalidDataException($"{labelsJson}: {language} has no name for class {c}"))];
        }

        return names;
    }

    public static List<PoolRow> Build(FashionMnist data, Dictionary<string, string[]> names, int count, ulong seed)
    {
        var byClass = Classes.Select(c => Enumerable.Range(0, HeldOutFrom).Where(i => data.Labels[i] == c).ToArray()).ToArray();
        double[] classWeights = [.. Enumerable.Range(1, Classes.Length).Select(r => Math.Pow(r, -1.5))];
        double[] languageWeights = [.. Languages.Select((_, i) => i == 0 ? 0.4 : 0.6 * (1.0 / i) / Enumerable.Range(1, Languages.Length - 1).Sum(k => 1.0 / k))];
        var rows = new List<PoolRow>(count);
        for (int n = 0; n < count; n++)
        {
            int k = Pick(classWeights, Uniform(seed, n, 0));
            int l = Pick(languageWeights, Uniform(seed, n, 1));
            var images = byClass[k];
            int image = images[(int)(Uniform(seed, n, 2) * images.Length)];
            rows.Add(new PoolRow($"fmnist-{n:D6}-{image:D5}", names[Languages[l]][k], Languages[l], k, image));
        }

        return rows;
    }

    /// <summary>The held-out images (pixels normalised the training way) with their class positions.</summary>
    public static (byte[][] Png, int[] Labels) HeldOut(FashionMnist data)
    {
        var png = new List<byte[]>();
        var labels = new List<int>();
        for (int i = HeldOutFrom; i < data.Count; i++)
        {
            int k = Array.IndexOf(Classes, (int)data.Labels[i]);
            if (k >= 0)
            {
                png.Add(Png(data, i));
                labels.Add(k);
            }
        }

        return ([.. png], [.. labels]);
    }

    public static byte[] Png(FashionMnist data, int image)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(data.Image(image).ToArray(), FashionMnist.Side, FashionMnist.Side, ColorComponents.Grey, stream);
        return stream.ToArray();
    }

    /// <summary>Writes the rows as a snapshot (docs/formats.md: uuid, text, lang, image) in row groups of 2,000.</summary>
    public static async Task WriteSnapshotAsync(FashionMnist data, IReadOnlyList<PoolRow> rows, string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var schema = new ParquetSchema(new DataField<string>("uuid"), new DataField<string>("text"), new DataField<string>("lang"), new DataField<byte[]>("image", nullable: true));
        var fields = schema.GetDataFields();
        await using var stream = File.Create(file);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
        for (int start = 0; start < rows.Count; start += 2000)
        {
            var part = rows.Skip(start).Take(2000).ToList();
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(fields[0], part.Select(r => r.Uuid).ToArray());
            await group.WriteAsync(fields[1], part.Select(r => r.Text).ToArray());
            await group.WriteAsync(fields[2], part.Select(r => r.Lang).ToArray());
            await group.WriteAsync(fields[3], part.Select(r => Png(data, r.Image)).ToArray()!);
        }
    }

    /// <summary>The metadata of the synthetic crawl: per language, the class names (entry i = class i).</summary>
    public static void WriteMetadata(Dictionary<string, string[]> names, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var (language, list) in names)
        {
            File.WriteAllText(Path.Combine(folder, language + ".json"), JsonSerializer.Serialize(list, Json) + "\n");
        }
    }

    private static double Uniform(ulong seed, int n, int k) =>
        (CounterDraw.Mix64(unchecked(seed + ((ulong)n * 0x9E3779B97F4A7C15UL) + ((ulong)k * 0xD1B54A32D192ED03UL))) >> 11) * (1.0 / (1UL << 53));

    private static int Pick(double[] weights, double u)
    {
        double total = weights.Sum(), at = u * total;
        for (int i = 0; i < weights.Length; i++)
        {
            at -= weights[i];
            if (at < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}
