using System.Text.Json.Nodes;
using MetaClip.Client.Commands;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Client.Tests.Commands;

/// <summary><c>metaclip curate</c> as a user runs it: options, outputs, and every kind of bad input.</summary>
public class CurateCommandTests
{
    [Fact]
    public async Task Curates_a_jsonl_snapshot_and_prints_where_results_and_report_are()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "1"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Results: " + dir.Combine("out"), run.Output, StringComparison.Ordinal);
        Assert.Contains("Report:  " + dir.Combine("out", "report.html"), run.Output, StringComparison.Ordinal);
        Assert.Contains("match and count", run.Output, StringComparison.Ordinal);
        foreach (string file in new[] { "thresholds.json", "decisions.jsonl", "report.json", "report.html", "entry_counts/en.jsonl", "curated/part-00000.parquet" })
        {
            Assert.True(File.Exists(dir.Combine("out", file)), file);
        }

        string html = File.ReadAllText(dir.Combine("out", "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("t_lang", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_metaclip_process_prints_only_its_own_lines_when_a_job_succeeds()
    {
        // Regression: on the embedded silo's shutdown, language partitions wrote their in-memory state into the
        // already stopped memory storage, and the process printed Orleans' placement failure ("fail: Polly[3] …").
        using var dir = Fixture();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "metaclip.dll"), .. Curate(dir, "--t-en", "1")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CI"] = "true"; // plain progress lines
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        string printed = await output;
        Assert.Contains("Results: ", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("Orleans", printed, StringComparison.Ordinal);
        Assert.Equal("", await error);
    }

    [Fact]
    public async Task The_curated_parquet_has_the_documented_columns_and_readable_entry_id_lists()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "170000"));
        Assert.True(run.ExitCode == 0, run.Error);
        await using var reader = await ParquetReader.CreateAsync(dir.Combine("out", "curated", "part-00000.parquet"));
        var names = reader.Schema.Fields.Select(f => f.Name).ToArray();
        Assert.Equal(["uuid", "url", "text", "lang", "lid", "entry_ids", "prob"], names);
        var ids = (ListField)reader.Schema.Fields[5];
        using var group = reader.OpenRowGroupReader(0);
        var item = (DataField)ids.Item;
        int valueCount = checked((int)group.GetMetadata(item)!.MetaData!.NumValues);
        var values = new int[valueCount];
        var repetitions = new int[valueCount];
        var definitions = new int[valueCount];
        await group.ReadRawAsync<int>(item, values, definitions, repetitions);
        Assert.All(definitions, d => Assert.Equal(item.MaxDefinitionLevel, d));
        Assert.True(group.RowCount >= 3);
        Assert.Equal(group.RowCount, repetitions.Count(r => r == 0)); // one list per row, none empty
        Assert.All(values, v => Assert.InRange(v, 0, 4));
        var uuids = new string?[group.RowCount];
        await group.ReadAsync(reader.Schema.GetDataFields()[0], uuids.AsMemory());
        Assert.Contains("img1", uuids);
    }

    [Fact]
    public async Task Jsonl_format_writes_curated_jsonl()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "170000", "--format", "jsonl"));
        Assert.True(run.ExitCode == 0, run.Error);
        var rows = File.ReadAllLines(dir.Combine("out", "curated", "part-00000.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Contains(rows, r => r["uuid"]!.GetValue<string>() == "img1" && r["entry_ids"]!.AsArray().Count > 0 && r["lid"]!.GetValue<string>() == "en");
    }

    [Fact]
    public async Task Empty_and_null_texts_are_skipped_and_counted_in_the_report()
    {
        using var dir = Fixture();
        await CliRun.RunAsync(Curate(dir, "--t-en", "1"));
        var report = JsonNode.Parse(File.ReadAllText(dir.Combine("out", "report.json")))!;
        Assert.Equal(2, report["totals"]!["skipped_texts"]!.GetValue<long>());
        Assert.Contains(report["warnings"]!.AsArray(), w => w!.GetValue<string>().Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_one_megabyte_text_and_unpaired_surrogates_are_curated()
    {
        using var dir = Fixture();
        string big = string.Concat(Enumerable.Repeat("dog ", 262_144));
        dir.File("snap/big.jsonl", $"{{\"uuid\": \"big\", \"lang\": \"en\", \"text\": \"{big}\"}}\n{{\"uuid\": \"sur\", \"lang\": \"en\", \"text\": \"dog \\ud800 cat \\udc00\"}}\n");
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "170000"));
        Assert.True(run.ExitCode == 0, run.Error);
        var decisions = File.ReadAllLines(dir.Combine("out", "decisions.jsonl")).Select(l => JsonNode.Parse(l)!["uuid"]!.GetValue<string>()).ToHashSet();
        Assert.Contains("big", decisions);
        Assert.Contains("sur", decisions);
    }

    [Fact]
    public async Task An_unknown_option_is_a_one_line_usage_error()
    {
        var run = await CliRun.RunAsync("curate", "--snapshot", "s", "--metadata", "m", "--out", "o", "--lang-column", "lang", "--colour", "red");
        Assert.Equal(MetaClipCommandLine.UsageError, run.ExitCode);
        Assert.Contains("--colour", run.ErrorLine, StringComparison.Ordinal);
        Assert.StartsWith("metaclip: error:", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_lang_column_a_missing_lid_model_is_an_error_naming_it()
    {
        using var dir = Fixture();
        string model = dir.Combine("models", "lid.176.ftz");
        var run = await CliRun.RunAsync("curate", "--snapshot", dir.Combine("snap"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("out"), "--lid-model", model, "--engine-only");
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains(model + ": no such file", run.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("--lid-model", run.ErrorLine, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "thresholds.json")));
    }

    [SkippableFact]
    public async Task Without_a_lang_column_the_sample_is_language_identified_on_the_embedded_cluster()
    {
        string model = LidModelFile.Require();
        using var dir = new TempFolder();
        var run = await CliRun.RunAsync("curate", "--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"),
            "--out", dir.Combine("out"), "--t-en", "20", "--lid-model", model, "--format", "jsonl");
        Assert.True(run.ExitCode == 0, run.Error);
        var rows = Directory.GetFiles(dir.Combine("out", "curated")).SelectMany(File.ReadLines).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.NotEmpty(rows);
        var identifier = new MetaClip.Engine.Lid.LanguageIdentifier(MetaClip.Engine.Lid.FastTextModel.Load(File.ReadAllBytes(model), model));
        var predictor = identifier.Model.CreatePredictor();
        Assert.All(rows, r => Assert.Equal(identifier.Identify((string)r["text"]!, predictor), (string?)r["lid"]));
        Assert.True(rows.Select(r => (string?)r["lid"]).Distinct().Count() > 10, "the sample's texts are in many languages");
    }

    [Fact]
    public async Task Metaclip1_mode_needs_no_lang_column()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync("curate", "--snapshot", dir.Combine("snap"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("out"), "--mode", "v1", "--t-en", "2");
        Assert.True(run.ExitCode == 0, run.Error);
        var thresholds = JsonNode.Parse(File.ReadAllText(dir.Combine("out", "thresholds.json")))!;
        Assert.Equal(["en"], thresholds["languages"]!.AsObject().Select(l => l.Key));
    }

    [Fact]
    public async Task Both_t_en_and_p_is_a_usage_error()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "5", "--p", "0.5"));
        Assert.Equal(MetaClipCommandLine.UsageError, run.ExitCode);
        Assert.Contains("either --t-en or --p", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_p_english_gets_its_threshold_from_p_and_t_en_is_null()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync(Curate(dir, "--p", "0.5"));
        Assert.True(run.ExitCode == 0, run.Error);
        var thresholds = JsonNode.Parse(File.ReadAllText(dir.Combine("out", "thresholds.json")))!;
        Assert.Null(thresholds["t_en"]);
        Assert.Equal(0.5, thresholds["p"]!.GetValue<double>());
    }

    [Fact]
    public async Task No_english_match_asks_for_p_and_writes_nothing()
    {
        using var dir = new TempFolder();
        dir.File("meta/en.json", "[\"zebra\"]");
        dir.File("snap/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        var run = await CliRun.RunAsync(Curate(dir));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("no English text matched", run.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("--p", run.ErrorLine, StringComparison.Ordinal);
        string output = dir.Combine("out");
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing is written");
    }

    [Fact]
    public async Task A_corrupt_parquet_file_fails_the_job_naming_it_and_keeps_earlier_results()
    {
        using var dir = Fixture();
        Assert.Equal(0, (await CliRun.RunAsync(Curate(dir, "--t-en", "1"))).ExitCode);
        string earlier = File.ReadAllText(dir.Combine("out", "thresholds.json"));

        dir.File("snap/z-corrupt.parquet", "PAR1 this is not parquet PAR1");
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "170000"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("z-corrupt.parquet", run.ErrorLine, StringComparison.Ordinal);
        Assert.Equal(earlier, File.ReadAllText(dir.Combine("out", "thresholds.json")));
        Assert.DoesNotContain(Directory.EnumerateDirectories(dir.Combine("out")), d => Path.GetFileName(d).StartsWith(".staging", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_skip_bad_files_bad_files_are_reported_and_the_rest_is_curated_as_without_them(bool engineOnly)
    {
        using var dir = Fixture();
        string[] mode = engineOnly ? ["--engine-only"] : [];
        Assert.Equal(0, (await CliRun.RunAsync([.. Curate(dir, "--t-en", "1", "--seed", "5"), .. mode])).ExitCode);
        string clean = File.ReadAllText(dir.Combine("out", "decisions.jsonl"));

        dir.File("snap/c-corrupt.parquet", "PAR1 this is not parquet PAR1");
        dir.File("snap/d-broken.jsonl", "{\"uuid\": \"z\", \"lang\": \"en\", \"text\": \"dog\"}\n{oops\n");
        var run = await CliRun.RunAsync([.. Curate(dir, "--t-en", "1", "--seed", "5", "--skip-bad-files"), .. mode]);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(clean, File.ReadAllText(dir.Combine("out", "decisions.jsonl")));
        var report = JsonNode.Parse(File.ReadAllText(dir.Combine("out", "report.json")))!;
        var skipped = report["skipped_files"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Equal(2, skipped.Count);
        Assert.Contains(skipped, s => s.Contains("c-corrupt.parquet", StringComparison.Ordinal));
        Assert.Contains(skipped, s => s.Contains("d-broken.jsonl line 2", StringComparison.Ordinal));
        Assert.Contains("skipped a bad file", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_jsonl_line_that_is_not_json_is_named_by_file_and_line()
    {
        using var dir = Fixture();
        dir.File("snap/b.jsonl", "{\"uuid\": \"x\", \"lang\": \"en\", \"text\": \"dog\"}\nthis is not json\n");
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "1"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("b.jsonl line 2", run.ErrorLine, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "thresholds.json")));
    }

    [Fact]
    public async Task A_missing_text_column_is_named_with_the_option_that_fixes_it()
    {
        using var dir = Fixture();
        dir.File("snap/c.jsonl", "{\"uuid\": \"x\", \"lang\": \"en\", \"caption\": \"dog\"}\n");
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "1"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("c.jsonl: has no \"text\" column", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_metadata_entry_is_named_with_both_ids()
    {
        using var dir = Fixture();
        dir.File("meta/de.json", "[\"Hund\", \"Katze\", \"Hund\"]");
        var run = await CliRun.RunAsync(Curate(dir, "--t-en", "1"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("de.json: duplicate entry \"Hund\" at ids 0 and 2", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_that_does_not_exist_is_named()
    {
        using var dir = Fixture();
        var run = await CliRun.RunAsync("curate", "--snapshot", dir.Combine("nope"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("out"), "--lang-column", "lang");
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("does not exist", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_explains_the_options_to_a_newcomer()
    {
        var run = await CliRun.RunAsync("curate", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (string option in new[] { "--snapshot", "--metadata", "--out", "--t-en", "--p", "--seed", "--mode", "--lang-column", "--text-column", "--url-column", "--uuid-column", "--format", "--threads", "--skip-bad-files", "--engine-only", "Example" })
        {
            Assert.Contains(option, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_decisions_and_threads_do_not_matter()
    {
        using var dir = Fixture();
        await CliRun.RunAsync([.. Curate(dir, "--t-en", "1", "--seed", "42", "--threads", "1")]);
        string one = File.ReadAllText(dir.Combine("out", "decisions.jsonl"));
        await CliRun.RunAsync([.. Curate(dir, "--t-en", "1", "--seed", "42", "--threads", "4")]);
        Assert.Equal(one, File.ReadAllText(dir.Combine("out", "decisions.jsonl")));
    }

    [Fact]
    public async Task Without_shard_size_curate_splits_a_file_into_one_megabyte_shards_with_the_outputs_of_one_shard()
    {
        // curate runs on one machine, where a shard costs next to nothing beyond its work: its default is 1 MiB
        // (CurationOptions.SingleMachineShardBytes), not the 8 MiB of a job submitted to a cluster.
        using var dir = SplittableFixture();
        var split = await CliRun.RunAsync(Curate(dir, "--t-en", "500", "--format", "jsonl"));
        Assert.True(split.ExitCode == 0, split.Error);
        var whole = await CliRun.RunAsync(["curate", "--snapshot", dir.Combine("snap"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("whole"),
            "--lang-column", "lang", "--t-en", "500", "--format", "jsonl", "--shard-size", "1G"]);
        Assert.True(whole.ExitCode == 0, whole.Error);

        SameOutputsOfThreeShardsAndOne(dir); // 2.5 MiB of text: three shards of at most 1 MiB
    }

    /// <summary>The run in <c>out</c> was three shards, the one in <c>whole</c> one, and their outputs are the same bytes.</summary>
    private static void SameOutputsOfThreeShardsAndOne(TempFolder dir)
    {
        Assert.Equal(1, Units(dir.Combine("whole")));
        Assert.Equal(3, Units(dir.Combine("out")));
        foreach (string file in new[] { "thresholds.json", "decisions.jsonl", "curated/part-00000.jsonl", "entry_counts/en.jsonl" })
        {
            Assert.True(File.ReadAllBytes(dir.Combine("whole", file)).AsSpan().SequenceEqual(File.ReadAllBytes(dir.Combine("out", file))), file);
        }

        static int Units(string output) =>
            JsonNode.Parse(File.ReadAllText(Path.Combine(output, "report.json")))!["totals"]!["units"]!.GetValue<int>();
    }

    [Fact]
    public async Task Without_shard_rows_curate_splits_a_row_group_into_ten_thousand_row_shards_with_the_outputs_of_one_shard()
    {
        // curate's default for Parquet is 10,000 rows (CurationOptions.SingleMachineShardRows), not the 100,000 of a job
        // submitted to a cluster: a row group of 25,000 rows is three shards.
        using var dir = Fixture();
        File.Delete(dir.Combine("snap", "a.jsonl"));
        File.Delete(dir.Combine("snap", "b.jsonl"));
        string[] words = ["dog", "cat", "red car", "car", "red"];
        var rows = Enumerable.Range(0, 25_000).Select(i => (Uuid: $"img-{i / 3}", Text: $"{words[i % words.Length]} number {i}")).ToArray();
        var schema = new ParquetSchema(new DataField<string>("uuid"), new DataField<string>("lang"), new DataField<string>("text"));
        await using (var stream = File.Create(dir.Combine("snap", "rows.parquet")))
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(schema.DataFields[0], rows.Select(r => r.Uuid).ToArray());
            await group.WriteAsync(schema.DataFields[1], rows.Select(_ => "en").ToArray());
            await group.WriteAsync(schema.DataFields[2], rows.Select(r => r.Text).ToArray());
        }

        var split = await CliRun.RunAsync(Curate(dir, "--t-en", "500", "--format", "jsonl"));
        Assert.True(split.ExitCode == 0, split.Error);
        var whole = await CliRun.RunAsync(["curate", "--snapshot", dir.Combine("snap"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("whole"),
            "--lang-column", "lang", "--t-en", "500", "--format", "jsonl", "--shard-rows", "3000000"]);
        Assert.True(whole.ExitCode == 0, whole.Error);

        SameOutputsOfThreeShardsAndOne(dir);
    }

    [Fact]
    public async Task Parts_per_shard_writes_each_shard_s_decisions_and_kept_rows_as_parts_of_their_own()
    {
        using var dir = SplittableFixture();
        var one = await CliRun.RunAsync(Curate(dir, "--t-en", "500", "--format", "jsonl"));
        Assert.True(one.ExitCode == 0, one.Error);
        var run = await CliRun.RunAsync(["curate", "--snapshot", dir.Combine("snap"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("parts"),
            "--lang-column", "lang", "--t-en", "500", "--format", "jsonl", "--parts", "per-shard"]);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("thresholds.json, entry_counts/, decisions/, curated/", run.Output, StringComparison.Ordinal);

        // Three shards, three parts of each, numbered by shard; in name order they are the one-part files.
        string[] decisions = [.. Directory.GetFiles(dir.Combine("parts", "decisions")).Order(StringComparer.Ordinal)];
        string[] curated = [.. Directory.GetFiles(dir.Combine("parts", "curated")).Order(StringComparer.Ordinal)];
        Assert.Equal(["part-00000000.jsonl", "part-00000001.jsonl", "part-00000002.jsonl"], decisions.Select(Path.GetFileName));
        Assert.Equal(decisions.Select(Path.GetFileName), curated.Select(Path.GetFileName));
        Assert.Equal(File.ReadAllBytes(dir.Combine("out", "decisions.jsonl")), decisions.SelectMany(File.ReadAllBytes));
        Assert.Equal(File.ReadAllBytes(dir.Combine("out", "curated", "part-00000.jsonl")), curated.SelectMany(File.ReadAllBytes));

        var wrong = await CliRun.RunAsync(Curate(dir, "--parts", "many"));
        Assert.Equal(MetaClipCommandLine.UsageError, wrong.ExitCode);
        Assert.Contains("--parts", wrong.Error, StringComparison.Ordinal);
    }

    /// <summary>The fixture with one file of 2.5 MiB of English text instead of its two: three shards of at most 1 MiB.</summary>
    private static TempFolder SplittableFixture()
    {
        var dir = Fixture();
        var lines = new List<string>();
        string[] words = ["dog", "cat", "red car", "car", "red"];
        for (int i = 0; lines.Sum(l => l.Length + 1) < (5 << 20) / 2; i++)
        {
            // Images of one to three texts, so some of them straddle the places a split could fall.
            for (int t = 0; t <= i % 3; t++)
            {
                lines.Add($"{{\"uuid\": \"img-{i}\", \"lang\": \"en\", \"text\": \"{words[(i + t) % words.Length]} number {i} text {t} {new string('x', 40 + (i * 7 % 50))}\"}}");
            }
        }

        dir.File("snap/a.jsonl", string.Join('\n', lines) + "\n");
        File.Delete(dir.Combine("snap", "b.jsonl"));
        return dir;
    }

    /// <summary>
    /// Regression: a folder held by a cluster's job (its claim names the cluster's service id, by default "metaclip", as
    /// the embedded cluster's is) made the embedded run crash with exit 70, "a non-activation thread attempted to access
    /// activation services", while it asked its own cluster about the holder; asked, it would have taken over a folder
    /// another cluster may be writing.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Regression_a_folder_a_clusters_job_holds_is_refused_naming_the_job_by_the_embedded_cluster_too(bool engineOnly)
    {
        using var dir = Fixture();
        dir.File("out/" + MetaClip.Engine.Outputs.OutputClaim.FileName, """{"job": "0123abcd", "owner": "cluster metaclip", "since": "2026-12-07T00:00:00Z"}""");
        var run = await CliRun.RunAsync(Curate(dir, engineOnly ? ["--engine-only"] : []));
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("is in use by job 0123abcd", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "thresholds.json")));
    }

    private static string[] Curate(TempFolder dir, params string[] extra) =>
        ["curate", "--snapshot", dir.Combine("snap"), "--metadata", dir.Combine("meta"), "--out", dir.Combine("out"), "--lang-column", "lang", .. extra];

    /// <summary>A small snapshot over two files with English and German texts, empty texts and a multi-text image.</summary>
    private static TempFolder Fixture()
    {
        var dir = new TempFolder();
        dir.File("meta/en.json", "[\"dog\", \"cat\", \"red\", \"red car\", \"car\"]");
        dir.File("meta/de.json", "[\"Hund\", \"Katze\", \"Auto\"]");
        dir.File("meta/other.json", "[\"mbwa\"]");
        dir.File("snap/a.jsonl", string.Join('\n',
            "{\"uuid\": \"img1\", \"url\": \"http://x/1.jpg\", \"lang\": \"en\", \"text\": \"a red car\"}",
            "{\"uuid\": \"img1\", \"url\": \"http://x/1.jpg\", \"lang\": \"de\", \"text\": \"ein rotes Auto\"}",
            "{\"uuid\": \"img2\", \"lang\": \"en\", \"text\": \"dog and cat\"}",
            "{\"uuid\": \"img3\", \"lang\": \"en\", \"text\": \"\"}",
            "{\"uuid\": \"img4\", \"lang\": \"sw\", \"text\": \"mbwa\"}",
            "{\"uuid\": \"img5\", \"lang\": \"en\", \"text\": null}",
            "{\"uuid\": \"img6\", \"lang\": \"en\", \"text\": \"dog\"}") + "\n");
        dir.File("snap/b.jsonl", "{\"uuid\": \"img7\", \"lang\": \"de\", \"text\": \"Hund und Katze\"}\n");
        return dir;
    }
}
