namespace MetaClip.TestSupport;

/// <summary>
/// Finds the read-only <c>shared/</c> folder that sits beside the repository on the project's own machines
/// (or <c>METACLIP_SHARED</c>). It is absent on a user's machine: tests that need it skip there, but never
/// in CI (<c>CI=true</c>), where its absence is a failure.
/// </summary>
internal static class SharedFolder
{
    public static string? Path { get; } = Find();

    /// <summary>Skips the calling test when the folder is absent, unless running in CI.</summary>
    public static string Require()
    {
        if (Path is not null)
        {
            return Path;
        }

        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (ci)
        {
            throw new InvalidOperationException("CI=true but the shared/ folder beside the repository is missing (set METACLIP_SHARED to its path)");
        }

        Skip.If(true, "the shared/ folder beside the repository is absent (it exists only on the project's machines; set METACLIP_SHARED to run this test)");
        return string.Empty;
    }

    private static string? Find()
    {
        string? configured = Environment.GetEnvironmentVariable("METACLIP_SHARED");
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.Exists(configured) ? configured : null;
        }

        string beside = System.IO.Path.GetFullPath(System.IO.Path.Combine(Repository.Root, "..", "shared"));
        return Directory.Exists(System.IO.Path.Combine(beside, "golden")) ? beside : null;
    }
}
