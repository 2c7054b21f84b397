using System.Text.Json.Nodes;

namespace MetaClip.TestSupport;

/// <summary>
/// hyparquet (npm, MIT), a Parquet reader written independently of ours and of Parquet.Net, which <c>./test.sh</c>
/// installs into <c>.tools/hyparquet</c>. Absent (no Node.js, or the tests run without <c>./test.sh</c>), a test that
/// needs it skips, naming the cause — but never in CI.
/// </summary>
internal static class Hyparquet
{
    private const string Script = """
        import { readFileSync } from 'node:fs';
        import { pathToFileURL } from 'node:url';
        const { parquetMetadata, parquetReadObjects } = await import(pathToFileURL(process.argv[2]).href);
        const bytes = readFileSync(process.argv[3]);
        const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        const metadata = parquetMetadata(file);
        const rows = await parquetReadObjects({ file, utf8: false });
        const plain = v => v instanceof Uint8Array ? { bytes: v.length } : typeof v === 'bigint' ? Number(v) : v;
        const out = rows.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v.map(plain) : plain(v)])));
        process.stdout.write(JSON.stringify({ rows: Number(metadata.num_rows), rowGroups: metadata.row_groups.length, values: out }));
        """;

    /// <summary>Reads a Parquet file with hyparquet: its row count, row group count and rows as JSON objects.</summary>
    public static JsonObject Read(string parquetFile)
    {
        string index = Repository.Path(".tools", "hyparquet", "node_modules", "hyparquet", "src", "index.js");
        string? node = DebianTools.Find("node");
        Require(node is not null && File.Exists(index), "hyparquet (Node.js and ./test.sh, which installs it into .tools/hyparquet)");
        using var folder = new TempFolder();
        string script = folder.File("read.mjs", Script);
        return JsonNode.Parse(DebianTools.Run(node!, [script, index, parquetFile]))!.AsObject();
    }

    private static void Require(bool present, string what)
    {
        if (present)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {what} is missing: run the tests through ./test.sh");
        }

        Skip.If(true, $"{what} is missing");
    }
}
