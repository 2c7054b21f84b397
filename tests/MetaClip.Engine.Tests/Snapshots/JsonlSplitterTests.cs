using System.IO.Compression;
using CsCheck;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>
/// Issue 17: a big JSON Lines file is split into ranges that never separate the rows of one image, so curating it as
/// many shards gives the bytes of curating it as one.
/// </summary>
public sealed class JsonlSplitterTests : IDisposable
{
    private static readonly SnapshotColumns Columns = new() { Lang = "lang" };

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Random_files_and_split_sizes_give_ranges_that_cover_the_file_and_keep_every_image_whole()
    {
        int file = 0;
        Gen.Select(Gen.Int[1, 300], Gen.Int[0, 40], Gen.Int[0, 100], Gen.Int[100, 20_000], Gen.Bool).Sample((images, scattered, distance, rangeBytes, gzip) =>
        {
            string path = _dir.Combine($"p{file++}.jsonl");
            ImageRowsFile.Write(path, images, seed: file, scattered, distance);
            if (gzip)
            {
                path = Compress(path);
            }

            var snapshot = SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None).GetAwaiter().GetResult()[0];
            var ranges = JsonlSplitter.SplitAsync(DataStore.Local, snapshot, Columns, rangeBytes, CancellationToken.None).GetAwaiter().GetResult();
            var whole = JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1), Columns, CancellationToken.None).GetAwaiter().GetResult();
            var parts = ranges.Select(r => JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1, r), Columns, CancellationToken.None).GetAwaiter().GetResult()).ToList();

            SplitAssertions.CoverTheUnitAndKeepImagesWhole(ranges, whole, parts, $"{rangeBytes} bytes");
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void Lines_fingerprinted_on_all_cores_give_the_ranges_of_one_thread()
    {
        // A buffer's lines are fingerprinted in pieces, one per core; the ranges must not depend on where the pieces or the
        // buffers end. Buffers of 64 bytes to 4 KiB (lines carried over from one to the next, lines longer than a buffer)
        // and up to 9 pieces of 1 to 40 lines put their ends everywhere: between the rows of one image, next to a blank
        // line, at a last line without a newline; the file may start with a byte order mark, and be gzip.
        int file = 0;
        Gen.Select(Gen.Int[1, 400], Gen.Int[0, 40], Gen.Int[200, 20_000], Gen.Int[64, 4096], Gen.Int[1, 40], Gen.Int[2, 9], Gen.Int[0, 3]).Sample(
            (images, scattered, rangeBytes, bufferBytes, linesPerPiece, maxPieces, variant) =>
            {
                bool gzip = (variant & 1) != 0, bom = (variant & 2) != 0;
                string path = _dir.Combine($"c{file++}.jsonl");
                ImageRowsFile.Write(path, images, seed: 1000 + file, scattered);
                string text = File.ReadAllText(path) + "\n{\"uuid\": \"after-a-blank-line\", \"lang\": \"en\", \"text\": \"a dog\"}\n" +
                    "{\"uuid\": \"last\", \"lang\": \"en\", \"text\": \"no newline after me\"}";
                File.WriteAllText(path, text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: bom));
                if (gzip)
                {
                    path = Compress(path);
                }

                var snapshot = SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None).GetAwaiter().GetResult()[0];
                var oneThread = JsonlSplitter.SplitAsync(DataStore.Local, snapshot, Columns, rangeBytes, new JsonlSplitter.SplitReading(4 << 20, int.MaxValue, 1), CancellationToken.None)
                    .GetAwaiter().GetResult();
                var pieces = JsonlSplitter.SplitAsync(DataStore.Local, snapshot, Columns, rangeBytes, new JsonlSplitter.SplitReading(bufferBytes, linesPerPiece, maxPieces), CancellationToken.None)
                    .GetAwaiter().GetResult();
                Assert.Equal(oneThread, pieces);
                var whole = JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1), Columns, CancellationToken.None).GetAwaiter().GetResult();
                var parts = pieces.Select(r => JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1, r), Columns, CancellationToken.None).GetAwaiter().GetResult()).ToList();
                SplitAssertions.CoverTheUnitAndKeepImagesWhole(pieces, whole, parts,
                    $"{rangeBytes} bytes, buffer {bufferBytes}, pieces of {linesPerPiece}+ lines, at most {maxPieces}, gzip {gzip}, BOM {bom}");
            }, iter: 100, threads: 1);
    }

    [Fact]
    public async Task A_file_of_3_MB_split_at_1_MB_becomes_several_shards_whose_outputs_are_those_of_one()
    {
        string snapshot = ImageRowsFile.Write(_dir.Combine("big", "part-0.jsonl"), images: 14_000, seed: 7, scattered: 2);
        Assert.True(new FileInfo(snapshot).Length > 3 << 20, "the file is larger than three shards");
        var (one, many) = await CurateBothWaysAsync(_dir.Combine("big"));
        Assert.Equal(1, one.Report.Totals.Units);
        Assert.True(many.Report.Totals.Units >= 3, $"{many.Report.Totals.Units} shards");
        AssertSameOutputs(_dir.Combine("one"), _dir.Combine("many"));
    }

    [Fact]
    public async Task A_gzip_file_is_split_by_reading_through_it_and_gives_the_same_outputs()
    {
        Compress(ImageRowsFile.Write(_dir.Combine("gz", "part-0.jsonl"), images: 12_000, seed: 11, scattered: 5));
        var (one, many) = await CurateBothWaysAsync(_dir.Combine("gz"));
        Assert.True(many.Report.Totals.Units >= 2, $"{many.Report.Totals.Units} shards");
        AssertSameOutputs(_dir.Combine("one"), _dir.Combine("many"));
    }

    [Fact]
    public async Task A_line_longer_than_the_shard_size_is_read_whole_in_its_shard()
    {
        string snapshot = ImageRowsFile.Write(_dir.Combine("long", "part-0.jsonl"), images: 9_000, seed: 3);
        var lines = File.ReadAllLines(snapshot).ToList();
        lines.Insert(lines.Count / 2, "{\"uuid\": \"long-one\", \"lang\": \"en\", \"text\": \"" + string.Join(' ', Enumerable.Repeat("Abkhazian Avestan", 200_000)) + "\"}");
        File.WriteAllLines(snapshot, lines);
        var (_, many) = await CurateBothWaysAsync(_dir.Combine("long"));
        Assert.True(many.Report.Totals.Units >= 3, $"{many.Report.Totals.Units} shards");
        AssertSameOutputs(_dir.Combine("one"), _dir.Combine("many"));
    }

    [Fact]
    public async Task Uuids_spelled_as_escapes_numbers_non_ascii_repeated_keys_or_empty_urls_keep_their_images_whole()
    {
        // The splitter fingerprints a uuid from its JSON bytes without making a string; each image's rows spell its
        // uuid differently and lie far apart, so a fingerprint that differed from the reader's uuid would split it.
        for (int seed = 1; seed <= 20; seed++)
        {
            var random = new Random(seed);
            var lines = new List<string>();
            for (int image = 0; image < 400; image++)
            {
                int kind = random.Next(7);
                for (int row = 0; row < 3; row++)
                {
                    string uuid = kind switch
                    {
                        0 => row == 0 ? $"\"é{image}ü\"" : $"\"\\u00e9{image}\\u00fc\"", // non-ASCII, then escaped
                        1 => $"{image + 1}0",                                                    // a number
                        2 => row == 1 ? $"\"ignored\", \"uuid\": \"k{image}\"" : $"\"k{image}\"", // the last key counts
                        3 => "\"\", \"url\": \"\"",                                            // every such row: one image
                        4 => $"null, \"url\": \"https://example.org/{image}\"",
                        5 => row == 1 ? $"\"u{image}\", \"UUID\": \"other{row}\"" : $"\"u{image}\"",          // the exact name wins over UUID
                        _ => $"\"{new string('u', 300)}{image}\"",                              // longer than the first buffer
                    };
                    string line = $"{{\"uuid\": {uuid}, \"lang\": \"en\", \"text\": \"dog {image} {row}\"}}";
                    lines.Insert(row == 0 ? lines.Count : random.Next(lines.Count + 1), line);
                }
            }

            string path = _dir.Combine($"spelled{seed}.jsonl");
            File.WriteAllText(path, string.Join('\n', lines) + "\n");
            var snapshot = (await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0];
            int rangeBytes = random.Next(200, 5_000);
            var ranges = await JsonlSplitter.SplitAsync(DataStore.Local, snapshot, Columns, rangeBytes, CancellationToken.None);
            var whole = await JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1), Columns, CancellationToken.None);
            var parts = new List<UnitRows>();
            foreach (var range in ranges)
            {
                parts.Add(await JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1, range), Columns, CancellationToken.None));
            }

            SplitAssertions.CoverTheUnitAndKeepImagesWhole(ranges, whole, parts, $"{rangeBytes} bytes, seed {seed}");
        }
    }

    [Fact]
    public async Task A_gzip_file_that_breaks_part_way_fails_naming_the_file_though_the_buffer_before_is_being_worked_on()
    {
        // The next buffer is read while the lines of the last one are fingerprinted: the read's error must still be the
        // split's error, named, and not left behind on a pool thread.
        string path = Compress(ImageRowsFile.Write(_dir.Combine("broken.jsonl"), images: 3_000, seed: 5));
        var bytes = File.ReadAllBytes(path);
        for (int i = bytes.Length / 2; i < bytes.Length - 8; i++)
        {
            bytes[i] = 0xFF; // the deflate stream turns to garbage half way
        }

        File.WriteAllBytes(path, bytes);
        var snapshot = (await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0];
        var e = await Assert.ThrowsAsync<CurationException>(() =>
            JsonlSplitter.SplitAsync(DataStore.Local, snapshot, Columns, 2_000, new JsonlSplitter.SplitReading(4096, 16, 4), CancellationToken.None));
        Assert.Contains("broken.jsonl.gz: not a valid gzip file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_split_stops_with_a_cancellation()
    {
        string path = ImageRowsFile.Write(_dir.Combine("cancelled.jsonl"), images: 20_000, seed: 9);
        var snapshot = (await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0];
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            JsonlSplitter.SplitAsync(DataStore.Local, snapshot, Columns, 2_000, new JsonlSplitter.SplitReading(4096, 16, 4), cancellation.Token));
    }

    private async Task<(CurationResult One, CurationResult Many)> CurateBothWaysAsync(string snapshot)
    {
        var options = new CurationOptions
        {
            Snapshot = snapshot,
            Metadata = Repository.Path("samples", "metadata"),
            Output = _dir.Combine("one"),
            TEn = 50,
            Columns = Columns,
            Format = MetaClip.Engine.Outputs.CuratedFormat.Jsonl,
            ShardBytes = 1L << 30,
        };
        var one = await new CurationPipeline(options).RunAsync();
        var many = await new CurationPipeline(options with { Output = _dir.Combine("many"), ShardBytes = 1L << 20 }).RunAsync();
        return (one, many);
    }

    private static void AssertSameOutputs(string expected, string actual)
    {
        foreach (string file in Directory.GetFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f))
            .Where(f => !f.StartsWith("report.", StringComparison.Ordinal) && !f.StartsWith('.')))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
        }
    }

    private static string Compress(string path)
    {
        string gz = path + ".gz";
        using (var output = File.Create(gz))
        using (var zip = new GZipStream(output, CompressionLevel.Fastest))
        using (var input = File.OpenRead(path))
        {
            input.CopyTo(zip);
        }

        File.Delete(path);
        return gz;
    }
}
