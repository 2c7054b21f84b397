using System.Buffers.Binary;
using System.IO.Compression;

namespace MetaClip.Bench.Training;

/// <summary>Fashion-MNIST's IDX files (gzipped): 28×28 grey images and their class labels 0..9.</summary>
internal sealed class FashionMnist
{
    public const int Side = 28;

    private FashionMnist(byte[] pixels, byte[] labels)
    {
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>All images' pixels, image after image, 784 bytes each.</summary>
    public byte[] Pixels { get; }

    public byte[] Labels { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Side * Side, Side * Side);

    /// <summary>Loads <c>t10k-images-idx3-ubyte.gz</c> and <c>t10k-labels-idx1-ubyte.gz</c> from a folder.</summary>
    public static FashionMnist LoadTest(string folder)
    {
        byte[] images = ReadGzip(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"));
        byte[] labels = ReadGzip(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
        if (BinaryPrimitives.ReadInt32BigEndian(images) != 2051 || BinaryPrimitives.ReadInt32BigEndian(labels) != 2049)
        {
            throw new InvalidDataException($"{folder}: not Fashion-MNIST IDX files (bad magic numbers)");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8)), cols = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (rows != Side || cols != Side || BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4)) != count || images.Length != 16 + (count * Side * Side) || labels.Length != 8 + count)
        {
            throw new InvalidDataException($"{folder}: image and label files disagree or are truncated");
        }

        return new FashionMnist(images[16..], labels[8..]);
    }

    private static byte[] ReadGzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
