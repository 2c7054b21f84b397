using System.Text;
using System.Text.Json;

namespace MetaClip.TestSupport;

/// <summary>
/// A JSON Lines snapshot file for split tests: images of one to four texts (words of the sample's English list, so
/// they match), most with their rows together, some with rows far apart (which no split may separate), some grouped by
/// url instead of uuid, plus blank lines and empty texts. The same seed gives the same file.
/// </summary>
internal static class ImageRowsFile
{
    private static readonly Lazy<string[]> Words = new(() =>
        JsonSerializer.Deserialize<string[]>(File.ReadAllText(Repository.Path("samples", "metadata", "en.json")))!
            .Where(w => w.Length > 3).Take(5000).ToArray());

    /// <summary>
    /// Writes <paramref name="images"/> images to <paramref name="path"/>; <paramref name="scattered"/> of every 100 have
    /// rows apart, up to <paramref name="distance"/> rows after the image's first (0: anywhere in the file).
    /// </summary>
    public static string Write(string path, int images, int seed, int scattered = 3, int distance = 200, int wordsPerText = 8)
    {
        var random = new Random(seed);
        var words = Words.Value;
        var lines = new List<string>();
        var late = new List<(int At, string Line)>();
        for (int image = 0; image < images; image++)
        {
            bool byUrl = random.Next(10) == 0;
            bool apart = random.Next(100) < scattered;
            int texts = random.Next(1, 5);
            for (int t = 0; t < texts; t++)
            {
                string text = t == 1 && random.Next(20) == 0 ? "" : string.Join(' ', Enumerable.Range(0, random.Next(1, wordsPerText + 1)).Select(_ => words[random.Next(words.Length)]));
                var row = new StringBuilder("{");
                row.Append(byUrl ? $"\"url\": \"https://example.org/{seed}/{image}.jpg\"" : $"\"uuid\": \"s{seed}-{image:D7}\"");
                row.Append(", \"lang\": \"en\", \"text\": ").Append(JsonSerializer.Serialize(text)).Append('}');
                if (apart && t > 0)
                {
                    late.Add((lines.Count + random.Next(1, distance > 0 ? distance : 4 * images), row.ToString()));
                }
                else
                {
                    lines.Add(row.ToString());
                }
            }

            if (random.Next(50) == 0)
            {
                lines.Add("");
            }
        }

        foreach (var (at, line) in late.OrderBy(l => l.At))
        {
            lines.Insert(Math.Min(at, lines.Count), line);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }
}
