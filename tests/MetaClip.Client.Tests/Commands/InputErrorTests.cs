using System.Buffers.Binary;
using System.Text;
using MetaClip.Client.Commands;
using MetaClip.Training;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// Bad input is exit 1 with a line that names the file and the cause (these were exit 70, or named the wrong cause),
/// and the rules that are the same for every input kind: a UTF-8 byte order mark is accepted, an integer uuid is its
/// decimal text.
/// </summary>
public sealed class InputErrorTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task A_lid_model_whose_bucket_count_overflows_is_an_input_error_naming_it()
    {
        byte[] model = await File.ReadAllBytesAsync(LidModelFile.Require());
        BinaryPrimitives.WriteInt32LittleEndian(model.AsSpan(8 + (8 * 4)), int.MaxValue); // args.bucket
        string file = _dir.Combine("bucket.ftz");
        await File.WriteAllBytesAsync(file, model);
        var run = await CliRun.RunAsync("lid", "--model", file, "--input", _dir.File("texts.txt", "hello\n"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.StartsWith($"metaclip: error: LID model {file}: ", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lid_with_a_folder_or_a_missing_model_names_the_folder_or_its_own_option()
    {
        var folder = await CliRun.RunAsync("lid", "--model", _dir.Path, "--input", _dir.File("texts.txt", "hello\n"));
        Assert.Equal(MetaClipCommandLine.InputError, folder.ExitCode);
        Assert.Contains("is a folder, not a model file", folder.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", folder.ErrorLine, StringComparison.OrdinalIgnoreCase);

        var missing = await CliRun.RunAsync("lid", "--model", _dir.Combine("none.ftz"), "--input", _dir.Combine("texts.txt"));
        Assert.Equal(MetaClipCommandLine.InputError, missing.ExitCode);
        Assert.Contains("no such file", missing.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("--model PATH", missing.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain("--lid-model", missing.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metadata_file_given_as_the_folder_is_called_a_file()
    {
        string file = _dir.File("meta/en.json", "[\"dog\"]");
        _dir.File("snap/a.jsonl", "{\"uuid\": \"1\", \"lang\": \"en\", \"text\": \"dog\"}\n");
        var run = await CliRun.RunAsync("curate", "--snapshot", _dir.Combine("snap"), "--metadata", file, "--out", _dir.Combine("out"), "--lang-column", "lang", "--engine-only");
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains($"metadata {file} is a file, not a folder", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_loop_in_the_snapshot_is_called_one()
    {
        _dir.File("snap/a.jsonl", "{\"uuid\": \"1\", \"lang\": \"en\", \"text\": \"dog\"}\n");
        File.CreateSymbolicLink(_dir.Combine("snap", "loop"), _dir.Combine("snap", "loop"));
        _dir.File("meta/en.json", "[\"dog\"]");
        var run = await CliRun.RunAsync("curate", "--snapshot", _dir.Combine("snap"), "--metadata", _dir.Combine("meta"), "--out", _dir.Combine("out"), "--lang-column", "lang", "--engine-only");
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("snapshot file loop: a symbolic link that cannot be followed", run.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain("not a .parquet", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Regression_a_link_to_a_folder_above_it_was_listed_forty_levels_deep_and_called_not_a_parquet_file()
    {
        // snap/sub/up -> .. : the listing went round until the path was too long, then named a 1,000-character path.
        _dir.File("snap/sub/a.jsonl", "{\"uuid\": \"1\", \"lang\": \"en\", \"text\": \"dog\"}\n");
        File.CreateSymbolicLink(_dir.Combine("snap", "sub", "up"), "..");
        _dir.File("meta/en.json", "[\"dog\"]");
        var run = await CliRun.RunAsync("curate", "--snapshot", _dir.Combine("snap"), "--metadata", _dir.Combine("meta"), "--out", _dir.Combine("out"), "--lang-column", "lang", "--engine-only");
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("sub/up: a symbolic link to ", run.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("a folder that holds it", run.ErrorLine, StringComparison.Ordinal);
        Assert.DoesNotContain("sub/up/sub/up", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Class_names_given_as_a_json_list_are_an_error_saying_to_name_the_language()
    {
        string file = _dir.File("classes.json", "[\"cat\", \"dog\"]");
        var error = Assert.Throws<InvalidDataException>(() => ClassNames.Load(file));
        Assert.Contains("not a list; name its language", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_byte_order_mark_is_accepted_in_metadata_lid_map_and_jsonl_alike()
    {
        var bom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
        Directory.CreateDirectory(_dir.Combine("meta"));
        Directory.CreateDirectory(_dir.Combine("snap"));
        await File.WriteAllTextAsync(_dir.Combine("meta", "en.json"), "[\"dog\"]", bom);
        await File.WriteAllTextAsync(_dir.Combine("meta", "lid_map.json"), "{\"en\": \"en\"}", bom);
        await File.WriteAllTextAsync(_dir.Combine("snap", "a.jsonl"), "{\"uuid\": \"1\", \"lang\": \"en\", \"text\": \"dog\"}\n", bom);
        var run = await CliRun.RunAsync("curate", "--snapshot", _dir.Combine("snap"), "--metadata", _dir.Combine("meta"), "--out", _dir.Combine("out"), "--lang-column", "lang", "--p", "0.5", "--engine-only");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Curated 1 of 1 matched images", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_int64_parquet_uuid_is_read_like_a_json_number_uuid()
    {
        _dir.File("meta/en.json", "[\"dog\", \"cat\"]");
        long[] uuids = [1, 1, 2, 9_007_199_254_740_993];
        string[] texts = ["a dog", "a cat", "dog and cat", "cat"];
        _dir.File("jsonl/a.jsonl", string.Concat(uuids.Select((u, i) => $"{{\"uuid\": {u}, \"lang\": \"en\", \"text\": \"{texts[i]}\"}}\n")));
        Directory.CreateDirectory(_dir.Combine("parquet"));
        var schema = new ParquetSchema(new DataField<long>("uuid"), new DataField<string>("lang"), new DataField<string>("text"));
        await using (var stream = File.Create(_dir.Combine("parquet", "a.parquet")))
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync<long>(schema.DataFields[0], uuids.AsMemory());
            await group.WriteAsync(schema.DataFields[1], texts.Select(_ => "en").ToArray());
            await group.WriteAsync(schema.DataFields[2], texts);
        }

        foreach (string kind in new[] { "jsonl", "parquet" })
        {
            var run = await CliRun.RunAsync("curate", "--snapshot", _dir.Combine(kind), "--metadata", _dir.Combine("meta"), "--out", _dir.Combine("out-" + kind),
                "--lang-column", "lang", "--p", "0.5", "--format", "jsonl", "--engine-only");
            Assert.True(run.ExitCode == 0, kind + ": " + run.Error);
        }

        Assert.Equal(File.ReadAllText(_dir.Combine("out-jsonl", "decisions.jsonl")), File.ReadAllText(_dir.Combine("out-parquet", "decisions.jsonl")));
        Assert.Contains("9007199254740993", File.ReadAllText(_dir.Combine("out-parquet", "decisions.jsonl")), StringComparison.Ordinal);
    }
}
