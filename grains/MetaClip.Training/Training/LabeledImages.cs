using Parquet;

namespace MetaClip.Training;

/// <summary>
/// Images with class labels for zero-shot evaluation: a Parquet file with the image bytes (<c>image</c>, <c>jpg</c> or
/// <c>png</c>) and <c>label</c> (int32, the class's index in the class-name lists), decoded like training images.
/// </summary>
public sealed record LabeledImages(int ImageSize, float[] Pixels, int[] Labels, IReadOnlyList<string> Skipped)
{
    public int Count => Labels.Length;

    public static async Task<LabeledImages> LoadAsync(string file, int imageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        string name = Path.GetFileName(file);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"evaluation images {file}: no such file");
        }

        var images = new List<byte[]?>();
        var labels = new List<int>();
        var origins = new List<string>();
        try
        {
            await using var stream = File.OpenRead(file);
            await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var image = fields.FirstOrDefault(f => f.Name is "image" or "jpg" or "png")
                ?? throw new InvalidDataException($"evaluation images {name}: has no image column (image, jpg or png)");
            var label = fields.FirstOrDefault(f => f.Name == "label" && f.ClrType == typeof(int))
                ?? throw new InvalidDataException($"evaluation images {name}: has no int32 \"label\" column");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                var imageValues = new byte[]?[rows];
                await group.ReadAsync(image, imageValues.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
                var labelValues = new int[rows];
                if (label.IsNullable)
                {
                    var nullable = new int?[rows];
                    await group.ReadAsync(label, nullable.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
                    for (int r = 0; r < rows; r++)
                    {
                        labelValues[r] = nullable[r] ?? throw new InvalidDataException($"evaluation images {name} row group {g} row {r}: no label");
                    }
                }
                else
                {
                    await group.ReadAsync<int>(label, labelValues.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                for (int r = 0; r < rows; r++)
                {
                    images.Add(imageValues[r]);
                    labels.Add(labelValues[r]);
                    origins.Add($"evaluation images {name} row group {g} row {r}");
                }
            }
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException || e is NotSupportedException || e is InvalidOperationException)
        {
            throw new InvalidDataException($"evaluation images {name}: cannot be read: {e.Message}", e);
        }

        var decoded = CuratedPairs.DecodeAll([.. images.Select(_ => (string?)"-")], images, origins, imageSize, cancellationToken);
        return new LabeledImages(imageSize, decoded.Pixels, [.. decoded.Kept.Select(i => labels[i])], decoded.Skipped);
    }
}
