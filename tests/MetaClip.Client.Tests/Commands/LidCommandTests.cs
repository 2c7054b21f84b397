using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Commands;

/// <summary><c>metaclip lid</c>: the same lines as <c>fasttext predict-prob</c>.</summary>
public sealed class LidCommandTests
{
    [SkippableFact]
    public async Task Prints_what_fasttext_predict_prob_prints_for_every_lingua_sentence()
    {
        string shared = SharedFolder.Require();
        string model = LidModelFile.Require();
        using var dir = new TempFolder();
        var lines = File.ReadAllText(Path.Combine(shared, "lid", "lingua-sentences.tsv"), Encoding.UTF8).Split('\n')[1..^1];
        string input = dir.Combine("texts.txt");
        File.WriteAllText(input, string.Concat(lines.Select(l => l[(l.IndexOf('\t', StringComparison.Ordinal) + 1)..] + "\n")), new UTF8Encoding(false));

        var run = await CliRun.RunAsync("lid", "--model", model, "--k", "3", "--input", input);
        Assert.True(run.ExitCode == 0, run.Error);
        var printed = run.Output.Split('\n')[..^1];

        // fastText's own output, 6 significant digits, "__label__" taken off, tab-separated.
        var expected = File.ReadAllText(Path.Combine(shared, "lid", "lingua-sentences.fasttext-top3.tsv"), Encoding.UTF8).Split('\n')[1..^1]
            .Select(l => string.Join(' ', l.Split('\t').Chunk(2).Where(p => p[0].Length > 0).Select(p => $"__label__{p[0]} {p[1]}")))
            .ToArray();
        Assert.Equal(expected.Length, printed.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == printed[i], $"line {i + 1}: expected \"{expected[i]}\", printed \"{printed[i]}\"");
        }
    }

    /// <summary>
    /// The independent check on texts no reference file holds: the rest of lingua's sentences, its single
    /// words and word pairs, and real captions of many languages, through Debian's fastText 0.9.2 CLI when it is
    /// installed (<c>.ci/run</c> installs it) and through <c>metaclip lid</c>: the same bytes.
    /// </summary>
    [SkippableFact]
    public async Task Prints_what_the_installed_fasttext_cli_prints_for_texts_of_no_reference_file()
    {
        string shared = SharedFolder.Require();
        string model = LidModelFile.Require();
        string? cli = FindOnPath("fasttext");
        Skip.If(cli is null, "the fastText CLI is not installed (Debian: apt-get install fasttext); .ci/run installs it");
        using var dir = new TempFolder();
        var texts = new List<string>();
        string lingua = Path.Combine(shared, "data", "lingua-testdata");
        foreach (string kind in new[] { "sentences", "single-words", "word-pairs" })
        {
            foreach (string file in Directory.GetFiles(Path.Combine(lingua, kind), "*.txt.gz").Order(StringComparer.Ordinal))
            {
                var lines = ReadGzipLines(file);
                texts.AddRange(kind == "sentences" ? lines.Skip(300) : lines);
            }
        }

        texts.AddRange(ReadGzipLines(Path.Combine(shared, "data", "caption-corpus", "captions.tsv.gz")).Skip(1).Where((_, i) => i % 10 == 0)
            .Select(l => l[(l.LastIndexOf('\t') + 1)..]));
        string input = dir.Combine("unseen.txt");
        await File.WriteAllTextAsync(input, string.Concat(texts.Select(t => t.Replace('\n', ' ').Replace('\r', ' ') + "\n")), new UTF8Encoding(false));

        var fasttext = Process.Start(new ProcessStartInfo(cli!, ["predict-prob", model, input, "3"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string expected = await fasttext.StandardOutput.ReadToEndAsync();
        await fasttext.WaitForExitAsync();
        Assert.Equal(0, fasttext.ExitCode);

        var run = await CliRun.RunAsync("lid", "--model", model, "--k", "3", "--input", input);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(texts.Count > 200_000, $"{texts.Count} texts");
        var want = expected.Split('\n');
        var got = run.Output.Split('\n');
        Assert.Equal(want.Length, got.Length);
        var differ = Enumerable.Range(0, want.Length).Where(i => want[i] != got[i]).Take(5).Select(i => $"line {i + 1} \"{texts[i]}\": fasttext \"{want[i]}\", metaclip \"{got[i]}\"").ToList();
        Assert.True(differ.Count == 0, string.Join('\n', differ));
    }

    private static List<string> ReadGzipLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress), Encoding.UTF8);
        var lines = new List<string>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lines.Add(line);
        }

        return lines;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [SkippableFact]
    public async Task A_literal_end_of_sentence_splits_a_line_like_the_cli_and_a_last_line_needs_no_newline()
    {
        string model = LidModelFile.Require();
        using var dir = new TempFolder();
        string input = dir.File("edge.txt", "ein Haus </s> a house\n</s>\n\nDas ist ein Haus");
        var run = await CliRun.RunAsync("lid", "--model", model, "--input", input);
        Assert.True(run.ExitCode == 0, run.Error);
        var printed = run.Output.Split('\n')[..^1];

        // "ein Haus </s>", "a house", "</s>", the empty rest of that line, the empty line, and the last line
        // without its end-of-sentence token (fastText 0.9.2 prints exactly these six lines for this file).
        Assert.Equal(["__label__de 0.999144", "__label__en 0.756355", "__label__en 0.124504", "__label__en 0.124504", "__label__en 0.124504", "__label__de 1.00004"], printed);
    }

    [Fact]
    public async Task A_model_that_is_not_fasttext_is_a_one_line_error_naming_it()
    {
        using var dir = new TempFolder();
        string model = dir.File("lid.ftz", "<html>not found</html>");
        string input = dir.File("in.txt", "hello\n");
        var run = await CliRun.RunAsync("lid", "--model", model, "--input", input);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(model + ": not a fastText model", run.ErrorLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1f, "1")]
    [InlineData(0.5f, "0.5")]
    [InlineData(1.00005f, "1.00005")]
    [InlineData(0.834083974f, "0.834084")]
    [InlineData(0.000123456f, "0.000123456")]
    [InlineData(1.23456789e-5f, "1.23457e-05")]
    [InlineData(1e-5f, "1e-05")]
    [InlineData(123456.7f, "123457")]
    [InlineData(1234567f, "1.23457e+06")]
    public void Probabilities_print_like_cpp_streams_print_floats(float value, string expected) =>
        Assert.Equal(expected, LidCommand.FormatProbability(value));

    [Fact]
    public void Formatting_agrees_with_printf_g_on_many_values()
    {
        // Every value round-trips through the formatted text to within printf's six digits.
        var random = new Random(7);
        for (int i = 0; i < 10_000; i++)
        {
            float v = MathF.Exp((float)(random.NextDouble() * -30));
            string text = LidCommand.FormatProbability(v);
            double back = double.Parse(text, CultureInfo.InvariantCulture);
            Assert.InRange(Math.Abs(back - v) / v, 0, 5e-6);
            Assert.True(text.Replace("e-", "", StringComparison.Ordinal).TrimStart('0', '.').Replace(".", "", StringComparison.Ordinal).Length <= 8, text);
        }
    }
}
