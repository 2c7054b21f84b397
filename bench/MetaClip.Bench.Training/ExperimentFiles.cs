using Parquet;
using Parquet.Schema;

namespace MetaClip.Bench.Training;

/// <summary>The experiment's files: evaluation images with labels and training pairs, as Parquet.</summary>
internal static class ExperimentFiles
{
    public static async Task WriteAsync(string file, byte[][] png, int[] labels)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var schema = new ParquetSchema(new DataField<byte[]>("image"), new DataField<int>("label"));
        var fields = schema.GetDataFields();
        await using var stream = File.Create(file);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(fields[0], png);
        await group.WriteAsync<int>(fields[1], labels);
    }

    /// <summary>Pairs for training as a curated-format Parquet file (<c>text</c>, <c>lang</c>, <c>image</c>).</summary>
    public static async Task WritePairsAsync(string file, IReadOnlyList<(string Text, string Lang, byte[] Png)> pairs)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<string>("lang"), new DataField<byte[]>("image"));
        var fields = schema.GetDataFields();
        await using var stream = File.Create(file);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(fields[0], pairs.Select(p => p.Text).ToArray());
        await group.WriteAsync(fields[1], pairs.Select(p => p.Lang).ToArray());
        await group.WriteAsync(fields[2], pairs.Select(p => p.Png).ToArray());
    }
}
