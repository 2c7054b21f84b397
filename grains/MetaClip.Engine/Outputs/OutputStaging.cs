using MetaClip.Curation;

namespace MetaClip.Outputs;

/// <summary>
/// Writes a job's outputs into a hidden staging folder inside the output folder and moves them into place
/// only when everything succeeded, so a failed run never leaves half-written or successful-looking files
/// and never damages the outputs of an earlier successful run.
/// </summary>
public sealed class OutputStaging : IDisposable
{
    private bool _committed;

    public OutputStaging(string outputFolder)
    {
        OutputFolder = Path.GetFullPath(outputFolder);
        if (File.Exists(OutputFolder))
        {
            throw new CurationException($"output {outputFolder} is a file, not a folder");
        }

        Directory.CreateDirectory(OutputFolder);
        Folder = Path.Combine(OutputFolder, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    public string OutputFolder { get; }

    /// <summary>Where to write; mirrors the final layout.</summary>
    public string Folder { get; }

    public string PathOf(string relative) => Path.Combine(Folder, relative);

    /// <summary>Replaces each top-level output with the staged one.</summary>
    public void Commit()
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(Folder).Order(StringComparer.Ordinal))
        {
            string target = Path.Combine(OutputFolder, Path.GetFileName(entry));
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
            else if (File.Exists(target))
            {
                File.Delete(target);
            }

            if (Directory.Exists(entry))
            {
                Directory.Move(entry, target);
            }
            else
            {
                File.Move(entry, target);
            }
        }

        Directory.Delete(Folder, recursive: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
