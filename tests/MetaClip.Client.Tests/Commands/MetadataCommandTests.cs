using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Commands;

/// <summary><c>metaclip metadata build</c> as a user runs it.</summary>
public sealed class MetadataCommandTests
{
    [SkippableFact]
    public async Task Builds_metadata_from_the_real_wordnets_and_frequency_lists_and_prints_where()
    {
        string shared = SharedFolder.Require();
        using var dir = new TempFolder();
        var run = await CliRun.RunAsync("metadata", "build", "--wordnet", Path.Combine(shared, "data", "omw-data"),
            "--unigram-counts", Path.Combine(shared, "data", "frequencywords", "top10k"), "--languages", "da,nl", "--out", dir.Combine("meta"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("nl: ", run.Output, StringComparison.Ordinal);
        Assert.Contains("Built 2 languages", run.Output, StringComparison.Ordinal);
        Assert.Equal(["da.json", "lid_map.json", "manifest.json", "nl.json"], Directory.GetFiles(dir.Combine("meta")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_malformed_line_is_a_one_line_error_and_skip_bad_input_reports_it()
    {
        using var dir = new TempFolder();
        dir.File("counts/de.txt", "Hund 10\nKatze\n");
        var run = await CliRun.RunAsync("metadata", "build", "--unigram-counts", dir.Combine("counts"), "--out", dir.Combine("meta"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("de.txt: line 2: expected \"WORD COUNT\"", run.ErrorLine, StringComparison.Ordinal);

        run = await CliRun.RunAsync("metadata", "build", "--unigram-counts", dir.Combine("counts"), "--out", dir.Combine("meta"), "--skip-bad-input");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Skipped 1 inputs", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_source_it_says_which_options_give_one()
    {
        using var dir = new TempFolder();
        var run = await CliRun.RunAsync("metadata", "build", "--out", dir.Combine("meta"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("--wordnet", run.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_language_in_languages_and_a_NaN_threshold_are_one_line_errors_and_nothing_is_written()
    {
        using var dir = new TempFolder();
        dir.File("counts/de.txt", "Hund 10\n");
        var run = await CliRun.RunAsync("metadata", "build", "--unigram-counts", dir.Combine("counts"), "--languages", ",,,", "--out", dir.Combine("meta"));
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("--languages: no language given", run.ErrorLine, StringComparison.Ordinal);

        // Not a number at all: the command line says so before anything runs (a usage error).
        run = await CliRun.RunAsync("metadata", "build", "--unigram-counts", dir.Combine("counts"), "--pmi-threshold", "NaN", "--out", dir.Combine("meta"));
        Assert.Equal(MetaClipCommandLine.UsageError, run.ExitCode);
        Assert.Contains("--pmi-threshold: 'NaN' is not a number", run.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("metaclip metadata build --help", run.ErrorLine, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("meta")));
    }
}
