using System.Text.Json;

namespace MetaClip.Bench.Training;

/// <summary>
/// Writes <c>samples/fashion/</c>: a small snapshot with image bytes (the Fashion-MNIST pool, 3,000 rows), its metadata
/// (the class names per language), held-out labelled images and the class names, so that <c>metaclip train</c> and
/// <c>metaclip eval</c> run on a fresh clone. Deterministic: the same inputs give the same files.
/// </summary>
internal static class FashionSample
{
    public const int Rows = 3000;
    public const int HeldOutPerClass = 100;

    public static async Task<int> WriteAsync(string shared, string output)
    {
        var data = FashionMnist.LoadTest(Path.Combine(shared, "data", "fashion-mnist-debian"));
        var names = FashionPool.Names(Path.Combine(shared, "data", "derived-class-labels", "fashion_mnist_cldr_labels.json"));
        var rows = FashionPool.Build(data, names, Rows, seed: 7);
        await FashionPool.WriteSnapshotAsync(data, rows, Path.Combine(output, "snapshot", "part-00000.parquet"));
        FashionPool.WriteMetadata(names, Path.Combine(output, "metadata"));

        var (png, labels) = FashionPool.HeldOut(data);
        var keep = Enumerable.Range(0, labels.Length).GroupBy(i => labels[i]).OrderBy(g => g.Key).SelectMany(g => g.Take(HeldOutPerClass)).Order().ToArray();
        await ExperimentFiles.WriteAsync(Path.Combine(output, "heldout.parquet"), [.. keep.Select(i => png[i])], [.. keep.Select(i => labels[i])]);
        await File.WriteAllTextAsync(Path.Combine(output, "classes.json"),
            JsonSerializer.Serialize(names, FashionPool.Json) + "\n");
        Console.WriteLine($"Wrote {rows.Count:N0} rows, {keep.Length} held-out images and {names.Count} languages to {output}");
        return 0;
    }
}
