using MetaClip.Client.Commands;
using MetaClip.Engine.Outputs;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// Mutual TLS on real silo processes (issue 18), with a CA and certificates made by the test: only clients and silos
/// holding a certificate of the cluster's CA take part, jobs record who submitted them, and only they or an operator
/// may cancel or retry them.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private const string PfxPassword = "pfx-password-0123456789";

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task Only_a_client_with_a_certificate_of_the_clusters_ca_reaches_the_gateways_and_its_job_equals_the_engine_result()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        using var other = new TestCertificateAuthority(_dir.Combine("pki"), "other-ca");
        var silo = ca.IssuePem("silo");
        var alice = ca.IssuePem("alice");
        var stranger = other.IssuePem("mallory");

        // Two silos: they reach each other over TLS too (a silo that cannot would not join).
        await using var silos = new SiloProcesses(2, storage, settings: PemSettings(silo, ca.CaFile));
        await silos.StartAllAsync();
        Assert.Contains("Mutual TLS on silo port", silos.AllLogs(), StringComparison.Ordinal);
        Assert.DoesNotContain("INSECURE", silos.AllLogs(), StringComparison.Ordinal);

        string[] job = ["--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20"];
        Assert.Equal(0, (await CliRun.RunAsync(["curate", .. job, "--out", _dir.Combine("engine"), "--engine-only"])).ExitCode);
        string[] submit = ["submit", .. job, "--out", _dir.Combine("cluster"), .. silos.ClientOptions];

        // No certificate, a certificate of another CA, or a client that does not trust the silos' CA: refused, one line each.
        var plain = await CliRun.RunAsync(submit);
        Assert.Equal(MetaClipCommandLine.InputError, plain.ExitCode);
        Assert.Contains("cannot reach the cluster", plain.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", plain.ErrorLine, StringComparison.Ordinal);

        var foreign = await CliRun.RunAsync([.. submit, "--tls-cert", stranger.Certificate, "--tls-key", stranger.Key, "--tls-ca", ca.CaFile]);
        Assert.Equal(MetaClipCommandLine.InputError, foreign.ExitCode);
        Assert.Contains("cannot reach the cluster", foreign.ErrorLine, StringComparison.Ordinal);

        var distrusting = await CliRun.RunAsync([.. submit, "--tls-cert", alice.Certificate, "--tls-key", alice.Key, "--tls-ca", other.CaFile]);
        Assert.Equal(MetaClipCommandLine.InputError, distrusting.ExitCode);
        Assert.Contains("the TLS handshake failed", distrusting.ErrorLine, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.Combine("cluster")));

        // With a certificate of the cluster's CA: the job runs and ends as the engine's, recorded as alice's.
        string[] asAlice = ["--tls-cert", alice.Certificate, "--tls-key", alice.Key, "--tls-ca", ca.CaFile];
        var submitted = await CliRun.RunAsync([.. submit, .. asAlice]);
        Assert.True(submitted.ExitCode == 0, submitted.Error + silos.Logs());
        string id = submitted.Output.Split(' ')[2];
        var watch = await CliRun.RunAsync(["watch", id, .. silos.ClientOptions, .. asAlice]);
        Assert.True(watch.ExitCode == 0, watch.Error);
        ClusterCommandTests.AssertSameOutputs(_dir.Combine("engine"), _dir.Combine("cluster"));

        var status = await CliRun.RunAsync(["status", id, .. silos.ClientOptions, .. asAlice]);
        Assert.Contains($"{id}: Done;", status.Output, StringComparison.Ordinal);
        Assert.Contains("submitted by alice", status.Output, StringComparison.Ordinal);
        var jobs = await CliRun.RunAsync(["jobs", .. silos.ClientOptions, .. asAlice]);
        Assert.Contains($"{id}  ", jobs.Output, StringComparison.Ordinal);
        Assert.Contains("  alice  Done", jobs.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Silos_with_certificates_of_different_cas_do_not_form_a_cluster()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        using var other = new TestCertificateAuthority(_dir.Combine("pki"), "other-ca");
        await using var silos = new SiloProcesses(2, storage, settings: new Dictionary<string, string>
        {
            // A silo that cannot reach the cluster's silos gives up joining soon instead of after minutes.
            ["Orleans__Membership__MaxJoinAttemptTime"] = "00:00:15",
        });
        silos.SetSiloSettings(0, PemSettings(ca.IssuePem("silo-a"), ca.CaFile));
        silos.SetSiloSettings(1, PemSettings(other.IssuePem("silo-b"), other.CaFile));
        await silos.StartAsync(0);

        // Each refuses the other's certificate: the second stops (it gives up joining, or the first declares it dead).
        await silos.StartRefusedAsync(1);
        Assert.Contains("The remote certificate was rejected", silos.AllLogs(), StringComparison.Ordinal);

        // The first silo still serves its own CA's clients, alone.
        var alice = ca.IssuePem("alice");
        var jobs = await CliRun.RunAsync(["jobs", .. silos.ClientOptions, "--tls-cert", alice.Certificate, "--tls-key", alice.Key, "--tls-ca", ca.CaFile]);
        Assert.True(jobs.ExitCode == 0, jobs.Error);
    }

    [SkippableFact]
    public async Task A_client_certificate_of_the_clusters_ca_cannot_join_as_a_silo_and_silo_subjects_name_the_silos_certificates()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        await using var silos = new SiloProcesses(2, storage, settings: new Dictionary<string, string>
        {
            // A silo that cannot reach the cluster's silos gives up joining soon instead of after minutes.
            ["Orleans__Membership__MaxJoinAttemptTime"] = "00:00:15",
            ["MetaClip__Tls__SiloSubjects"] = "silo-a, silo-b",
        });
        silos.SetSiloSettings(0, PemSettings(ca.IssuePem("silo-a"), ca.CaFile));
        await silos.StartAsync(0);
        Assert.Contains("MetaClip:Tls:SiloSubjects: silo-a, silo-b", silos.AllLogs(), StringComparison.Ordinal);

        // A client's certificate (alice), of the same CA, is refused on the silo port: it does not join.
        silos.SetSiloSettings(1, PemSettings(ca.IssuePem("alice"), ca.CaFile));
        await silos.StartRefusedAsync(1);
        Assert.Contains("The remote certificate was rejected", silos.AllLogs(), StringComparison.Ordinal);

        // A silo certificate the setting names joins, and the two serve a client.
        silos.SetSiloSettings(1, PemSettings(ca.IssuePem("silo-b"), ca.CaFile));
        await silos.StartAsync(1);
        var bob = ca.IssuePem("bob");
        var jobs = await CliRun.RunAsync(["jobs", .. silos.ClientOptions, "--tls-cert", bob.Certificate, "--tls-key", bob.Key, "--tls-ca", ca.CaFile]);
        Assert.True(jobs.ExitCode == 0, jobs.Error + silos.Logs());
    }

    [SkippableFact]
    public async Task Jobs_record_who_submitted_them_and_only_they_or_an_operator_may_cancel_or_retry_them()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        await using var silos = new SiloProcesses(1, storage, settings: new Dictionary<string, string>
        {
            // The silo's certificate and key in one password-protected PKCS#12 file.
            ["MetaClip__Tls__CertificateFile"] = ca.IssuePfx("silo", PfxPassword),
            ["MetaClip__Tls__Password"] = PfxPassword,
            ["MetaClip__Tls__CaFile"] = ca.CaFile,
            ["MetaClip__Operators"] = "ops",
            ["Logging__LogLevel__MetaClip.Grains.Hosting.SecuritySettingsLog"] = "Information",
        });
        await silos.StartAllAsync();
        Assert.Contains("this silo presents CN=silo", silos.Logs(), StringComparison.Ordinal);
        Assert.DoesNotContain(PfxPassword, silos.Logs(), StringComparison.Ordinal);
        string[] Client(string name)
        {
            var (certificate, key) = ca.IssuePem(name);
            return [.. silos.ClientOptions, "--tls-cert", certificate, "--tls-key", key, "--tls-ca", ca.CaFile];
        }

        // Jobs that fail (no English text matches the metadata) and keep what they did for a retry.
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_dir.Combine("meta")).FullName, "en.json"), "[\"zebra\"]");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_dir.Combine("snap")).FullName, "a.jsonl"), "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        string[] alice = Client("alice");
        string[] bob = Client("bob");
        string[] ops = Client("ops");
        var ids = new List<string>();
        foreach (string output in new[] { "out1", "out2" })
        {
            var submit = await CliRun.RunAsync(["submit", "--snapshot", _dir.Combine("snap"), "--metadata", _dir.Combine("meta"), "--lang-column", "lang", "--out", _dir.Combine(output), .. alice]);
            Assert.True(submit.ExitCode == 0, submit.Error + silos.Logs());
            string id = submit.Output.Split(' ')[2];
            Assert.NotEqual(0, (await CliRun.RunAsync(["watch", id, .. alice])).ExitCode);
            ids.Add(id);
        }

        var status = await CliRun.RunAsync(["status", ids[0], .. bob]);
        Assert.Contains($"{ids[0]}: Failed;", status.Output, StringComparison.Ordinal);
        Assert.Contains("submitted by alice", status.Output, StringComparison.Ordinal);
        var jobs = await CliRun.RunAsync(["jobs", .. bob]);
        Assert.Equal(2, jobs.Output.Split('\n').Count(line => line.Contains("  alice  Failed", StringComparison.Ordinal)));

        // Bob may not retry alice's job (the command asks the job, which refuses); it stays as it was.
        var refused = await CliRun.RunAsync(["retry", ids[0], .. bob]);
        Assert.Equal(MetaClipCommandLine.InputError, refused.ExitCode);
        Assert.Contains("retry job " + ids[0] + ": it was submitted by alice; only they or an operator (MetaClip:Operators) may retry it", refused.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("this call comes from bob", refused.ErrorLine, StringComparison.Ordinal);
        Assert.Contains($"{ids[0]}: Failed;", (await CliRun.RunAsync(["status", ids[0], .. bob])).Output, StringComparison.Ordinal);

        // Cancelling a failed job discards what it kept for a retry and frees its output folder: bob may not; alice may
        // cancel her own job, an operator anyone's. (Regression: 'metaclip cancel' said "already failed: nothing to
        // cancel", so the folder stayed claimed, although the README said to cancel it to free the folder.)
        var bobCancels = await CliRun.RunAsync(["cancel", ids[0], .. bob]);
        Assert.Equal(MetaClipCommandLine.InputError, bobCancels.ExitCode);
        Assert.Contains("cancel job " + ids[0] + ": it was submitted by alice", bobCancels.ErrorLine, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir.Combine("out1"), OutputClaim.FileName)));

        foreach (var (id, who, output) in new[] { (ids[0], alice, "out1"), (ids[1], ops, "out2") })
        {
            var cancelled = await CliRun.RunAsync(["cancel", id, .. who]);
            Assert.True(cancelled.ExitCode == 0, cancelled.Error);
            Assert.Contains($"Job {id} had failed; cancelled: its output folder is free", cancelled.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_dir.Combine(output), OutputClaim.FileName)), "the folder's claim is released");
        }

        foreach (string id in ids)
        {
            Assert.Contains($"{id}: Cancelled;", (await CliRun.RunAsync(["status", id, .. bob])).Output, StringComparison.Ordinal);
        }

        // With TLS the certificate names the client: --as cannot stand in for it.
        var impersonating = await CliRun.RunAsync(["jobs", .. bob, "--as", "alice"]);
        Assert.Equal(MetaClipCommandLine.UsageError, impersonating.ExitCode);
        Assert.Contains("--as", impersonating.ErrorLine, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_silo_with_tls_needs_no_insecure_setting_on_an_address_others_reach_and_a_broken_tls_setting_stops_it_in_one_line()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        var silo = ca.IssuePem("silo");
        await using (var noCa = new SiloProcesses(1, storage, settings: new Dictionary<string, string> { ["METACLIP_TLS_CERT"] = silo.Certificate, ["METACLIP_TLS_KEY"] = silo.Key }))
        {
            string logs = await noCa.StartRefusedAsync(0);
            Assert.Contains("MetaClip.Silo: TLS needs the CA that signed the cluster's certificates: set MetaClip:Tls:CaFile or METACLIP_TLS_CA", logs, StringComparison.Ordinal);
        }

        await using (var wrongPassword = new SiloProcesses(1, storage, settings: new Dictionary<string, string>
        {
            ["MetaClip__Tls__CertificateFile"] = ca.IssuePfx("silo-pfx", PfxPassword),
            ["MetaClip__Tls__Password"] = "not-the-password-0123",
            ["MetaClip__Tls__CaFile"] = ca.CaFile,
        }))
        {
            string logs = await wrongPassword.StartRefusedAsync(0);
            Assert.Contains("cannot be read", logs, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password-0123", logs, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", logs, StringComparison.Ordinal);
        }

        var address = ClusterSecurityTests.NonLoopbackAddress();
        Skip.If(address is null, "this machine has no address but loopback");
        await using var exposed = new SiloProcesses(1, storage, settings: new Dictionary<string, string>(PemSettings(silo, ca.CaFile))
        {
            ["MetaClip__AdvertisedAddress"] = address.ToString(),
        });
        await exposed.StartAllAsync();
        Assert.Contains("Mutual TLS on silo port", exposed.Logs(), StringComparison.Ordinal);
        Assert.DoesNotContain("INSECURE", exposed.Logs(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string> PemSettings((string Certificate, string Key) pair, string caFile) => new()
    {
        ["Logging__LogLevel__MetaClip.Grains.Hosting.SecuritySettingsLog"] = "Information",
        ["METACLIP_TLS_CERT"] = pair.Certificate,
        ["METACLIP_TLS_KEY"] = pair.Key,
        ["METACLIP_TLS_CA"] = caFile,
    };
}
