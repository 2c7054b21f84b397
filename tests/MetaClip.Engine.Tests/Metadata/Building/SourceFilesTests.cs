using System.IO.Compression;
using System.Text;
using MetaClip.Engine.Metadata.Building;

namespace MetaClip.Engine.Tests.Metadata.Building;

public sealed class SourceFilesTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_symbolic_link_back_to_a_folder_above_it_is_an_error_naming_it_not_a_listing_without_end()
    {
        _dir.File("wn/dan/wn-data-dan.tab", "# wordnet\tdan\n");
        Directory.CreateSymbolicLink(_dir.Combine("wn", "dan", "up"), "..");
        var e = Assert.Throws<CurationException>(() => SourceFiles.Find(_dir.Combine("wn"), _ => true));
        Assert.Contains($"{_dir.Combine("wn", "dan", "up")}: a symbolic link to {_dir.Combine("wn")}, a folder that holds it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzipped_source_file_cut_after_a_whole_line_fails_naming_it_instead_of_giving_fewer_lines()
    {
        // Regression: GZipStream gave back the lines before the cut, and a wordnet or frequency list cut short built
        // smaller metadata without a word.
        string path = _dir.Combine("wn-data-xx.tab.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            for (int i = 0; i < 500; i++)
            {
                gzip.Write(Encoding.UTF8.GetBytes($"{i:D8}-n\txx:lemma\tword{i}\n"));
                gzip.Flush(); // each line ends where a flush does, so the cut below falls at a line's end
            }
        }

        byte[] whole = File.ReadAllBytes(path);
        Assert.Equal(500, SourceFiles.ReadLines(path).Count());
        File.WriteAllBytes(path, whole[..(whole.Length * 2 / 3)]);

        var e = Assert.Throws<CurationException>(() => SourceFiles.ReadLines(path).Count());
        Assert.Contains("wn-data-xx.tab.gz: not a valid gzip file", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }
}
