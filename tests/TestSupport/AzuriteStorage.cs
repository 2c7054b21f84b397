namespace MetaClip.TestSupport;

/// <summary>
/// The Azure Storage emulator (Azurite) that <c>./test.sh</c> starts for the tests, reached through
/// <c>METACLIP_TEST_STORAGE_CONNECTION_STRING</c>. Tests that need it skip with a message where it is not
/// running, except in CI (<c>CI=true</c>), where that is a failure.
/// </summary>
internal static class AzuriteStorage
{
    public const string Variable = "METACLIP_TEST_STORAGE_CONNECTION_STRING";

    public static string Require()
    {
        string? connection = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(connection))
        {
            return connection;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {Variable} is not set: run the tests through ./test.sh, which starts Azurite");
        }

        Skip.If(true, $"Azurite is not running ({Variable} is not set): run ./test.sh, which starts it");
        return string.Empty;
    }
}
