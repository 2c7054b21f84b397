using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace MetaClip.TestSupport;

/// <summary>
/// A real multilingual snapshot for cluster tests: rows of <c>shared/data/caption-corpus</c> (WIT, Multi30k,
/// xFlickr&amp;CO, COCO-CN, XTD10, Dutch descriptions, a LAION sample; test use only), written as JSON Lines
/// files, each file one shard.
/// </summary>
internal static class RealSnapshot
{
    /// <summary>Writes <paramref name="rows"/> rows (every <paramref name="stride"/>-th of the corpus) into files of <paramref name="rowsPerFile"/>.</summary>
    public static string Write(string shared, string folder, int rows, int rowsPerFile, int stride = 8)
    {
        Directory.CreateDirectory(folder);
        using var input = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(shared, "data", "caption-corpus", "captions.tsv.gz")), CompressionMode.Decompress), Encoding.UTF8);
        string? header = input.ReadLine();
        Assert.Equal("source\tsplit\tlang\timage_id\turl\ttext", header);
        int written = 0, line = 0, file = 0;
        Utf8JsonWriter? writer = null;
        FileStream? stream = null;
        try
        {
            for (string? row = input.ReadLine(); row is not null && written < rows; row = input.ReadLine())
            {
                if (line++ % stride != 0)
                {
                    continue;
                }

                string[] f = row.Split('\t');
                if (written % rowsPerFile == 0)
                {
                    writer?.Dispose();
                    stream?.Dispose();
                    stream = File.Create(Path.Combine(folder, $"part-{file++:D4}.jsonl"));
                    writer = new Utf8JsonWriter(stream);
                }

                writer!.WriteStartObject();
                writer.WriteString("uuid", f[0] + "/" + f[3]);
                writer.WriteString("lang", f[2]);
                writer.WriteString("url", f[4]);
                writer.WriteString("text", f[5]);
                writer.WriteEndObject();
                writer.Flush();
                stream!.WriteByte((byte)'\n');
                writer.Reset();
                written++;
            }
        }
        finally
        {
            writer?.Dispose();
            stream?.Dispose();
        }

        Assert.Equal(rows, written);
        return folder;
    }
}
