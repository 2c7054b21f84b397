using System.Diagnostics;
using MetaClip.Grains.Hosting;

namespace MetaClip.Client.Tests.Deploy;

/// <summary>
/// A silo deployed with a missing storage secret or a wrong connection string exits at once (exit code 2) with one
/// line naming the setting, never the secret, and no stack trace: a pod's log says what to fix, instead of a crash
/// loop of Orleans start-up traces.
/// </summary>
public sealed class SiloBadSettingsTests
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Fact]
    public async Task A_missing_storage_secret_names_the_setting()
    {
        var (code, error, elapsed) = await RunSiloAsync(connectionString: null);
        AssertOneLine(code, error, elapsed);
        Assert.Contains(ClusterSettings.ConnectionStringVariable, error, StringComparison.Ordinal);
        Assert.Contains("MetaClip:StorageConnectionString", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_that_is_none_names_the_setting_and_not_the_value()
    {
        // A value without endpoints would name a real account in Azure (and the silo would try to reach it): keep it
        // unparseable.
        const string Wrong = "not-a-connection-string;AccountKey=c2VjcmV0";
        var (code, error, elapsed) = await RunSiloAsync(Wrong);
        AssertOneLine(code, error, elapsed);
        Assert.StartsWith($"MetaClip.Silo: {ClusterSettings.ConnectionStringVariable} is not an Azure Storage connection string", error, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_to_an_account_that_does_not_answer_names_the_endpoint()
    {
        int port = SiloProcesses.FreePorts(1)[0];
        string endpoint = $"http://127.0.0.1:{port}/devstoreaccount1";
        var (code, error, elapsed) = await RunSiloAsync(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint={endpoint};TableEndpoint={endpoint};");
        AssertOneLine(code, error, elapsed);
        Assert.StartsWith($"MetaClip.Silo: {ClusterSettings.ConnectionStringVariable}: the storage account at {endpoint} cannot be reached", error, StringComparison.Ordinal);
        Assert.DoesNotContain(AccountKey, error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_wrong_account_key_is_refused_before_the_silo_starts()
    {
        string storage = AzuriteStorage.Require();
        string wrongKey = Convert.ToBase64String(new byte[64]);
        var (code, error, elapsed) = await RunSiloAsync(storage.Replace(AccountKey, wrongKey, StringComparison.Ordinal));
        AssertOneLine(code, error, elapsed);
        Assert.Contains("refused the silo (HTTP 403", error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, error, StringComparison.Ordinal);
    }

    private static void AssertOneLine(int code, string error, TimeSpan elapsed)
    {
        Assert.True(code == 2, $"exit code {code}: {error}");
        Assert.True(elapsed < TimeSpan.FromSeconds(30), $"the silo took {elapsed} to give up");
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Error, TimeSpan Elapsed)> RunSiloAsync(string? connectionString)
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string silo = Repository.Path("silo", "MetaClip.Silo", "bin", configuration, "net10.0", "MetaClip.Silo.dll");
        Assert.True(File.Exists(silo), $"the silo host is not built: {silo}");
        int[] ports = SiloProcesses.FreePorts(3);
        var start = new ProcessStartInfo("dotnet", [silo, "--urls", $"http://127.0.0.1:{ports[2]}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment.Remove(ClusterSettings.ConnectionStringVariable);
        if (connectionString is not null)
        {
            start.Environment[ClusterSettings.ConnectionStringVariable] = connectionString;
        }

        // The Kubernetes manifests' settings: table membership, blob grain state.
        start.Environment["MetaClip__Clustering"] = "AzureTable";
        start.Environment["MetaClip__GrainStorage"] = "AzureBlob";
        start.Environment["MetaClip__SiloPort"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["MetaClip__GatewayPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"the silo did not exit within 60 s: {await output}{await error}");
        }

        return (process.ExitCode, (await error).Trim() + (await output).Trim(), clock.Elapsed);
    }
}
