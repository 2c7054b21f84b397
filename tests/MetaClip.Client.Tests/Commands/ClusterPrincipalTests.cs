using System.Net;
using System.Reflection;
using MetaClip.Client.Commands;
using MetaClip.Engine;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;
using MetaClip.Grains.Hosting;
using Orleans.Configuration;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// With mutual TLS the silo, not the client, decides who a call comes from (issue 18): on real silo processes, clients
/// built by the test send whatever name they like in the call's context, with or without a proof of their certificate's
/// key; jobs are recorded as the certificate's, a name without proof is refused, and no client becomes the dashboard's
/// operator.
/// </summary>
public sealed class ClusterPrincipalTests : IDisposable
{
    private const string OperatorKey = "operator-key-0123456789abcdef";

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task The_silo_takes_the_callers_name_from_its_certificate_refuses_unproven_names_and_no_client_becomes_the_dashboards_operator()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        var silo = ca.IssuePem("silo");
        await using var silos = new SiloProcesses(1, storage, settings: new Dictionary<string, string>
        {
            ["METACLIP_TLS_CERT"] = silo.Certificate,
            ["METACLIP_TLS_KEY"] = silo.Key,
            ["METACLIP_TLS_CA"] = ca.CaFile,
            ["METACLIP_HTTP_OPERATOR_KEYS"] = OperatorKey,
        });
        await silos.StartAllAsync();

        // Alice's job, submitted by the command (which proves her name), runs on.
        var alice = ca.IssuePem("alice");
        string[] asAlice = [.. silos.ClientOptions, "--tls-cert", alice.Certificate, "--tls-key", alice.Key, "--tls-ca", ca.CaFile];
        string[] job = ["--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20"];
        var submitted = await CliRun.RunAsync(["submit", .. job, "--out", _dir.Combine("alice-out"), .. asAlice]);
        Assert.True(submitted.ExitCode == 0, submitted.Error + silos.Logs());
        string id = submitted.Output.Split(' ')[2];

        // Bob's client, with a valid proof of bob's certificate, claims to be alice, then the dashboard's operator: the
        // silo names it bob, who may not cancel alice's job.
        await using (var bob = await ConnectAsync(silos, ca, "bob", claim: "alice"))
        {
            var refused = await Assert.ThrowsAsync<CurationException>(() => bob.Client.GetGrain<ICurationJobGrain>(id).Cancel());
            Assert.Contains($"cancel job {id}: it was submitted by alice", refused.Message, StringComparison.Ordinal);
            Assert.Contains("this call comes from bob", refused.Message, StringComparison.Ordinal);
        }

        await using (var bob = await ConnectAsync(silos, ca, "bob-2", claim: JobPrincipal.HttpOperator))
        {
            var refused = await Assert.ThrowsAsync<CurationException>(() => bob.Client.GetGrain<ICurationJobGrain>(id).Cancel());
            Assert.Contains("this call comes from bob-2", refused.Message, StringComparison.Ordinal);
        }

        // A proof that names someone else than its certificate does, or a certificate named as the dashboard's calls: refused.
        await using (var bob = await ConnectAsync(silos, ca, "bob-3", claim: JobPrincipal.HttpOperator, signedName: JobPrincipal.HttpOperator))
        {
            var refused = await Assert.ThrowsAsync<CurationException>(() => bob.Client.GetGrain<ICurationJobGrain>(id).Cancel());
            Assert.Contains("the proof of this call's caller is not valid: it names http-operator, and its certificate is bob-3's", refused.Message, StringComparison.Ordinal);
        }

        await using (var named = await ConnectAsync(silos, ca, JobPrincipal.HttpOperator, claim: JobPrincipal.HttpOperator))
        {
            var refused = await Assert.ThrowsAsync<CurationException>(() => named.Client.GetGrain<ICurationJobGrain>(id).Cancel());
            Assert.Contains("http-operator is the name of the dashboard's calls, not a client's", refused.Message, StringComparison.Ordinal);
        }

        // A proof of a certificate of another CA: refused.
        using (var other = new TestCertificateAuthority(_dir.Combine("pki"), "other-ca"))
        {
            var (otherCertificate, otherKey) = other.IssuePem("alice");
            var foreign = TlsCertificates.Load(new TlsSettings { CertificateFile = otherCertificate, KeyFile = otherKey, CaFile = other.CaFile });
            await using var forger = await ConnectAsync(silos, ca, "carol", claim: "alice", signer: new PrincipalProofSigner(() => foreign.Certificate));
            var refused = await Assert.ThrowsAsync<CurationException>(() => forger.Client.GetGrain<ICurationJobGrain>(id).Cancel());
            Assert.Contains("is not valid or not signed by the cluster's CA", refused.Message, StringComparison.Ordinal);
        }

        // A client that only says who it is (no proof), as alice or as the dashboard's operator: refused, with a reason.
        foreach (string claim in new[] { "alice", JobPrincipal.HttpOperator })
        {
            await using var unproven = await ConnectAsync(silos, ca, "mallory-" + claim, claim, prove: false);
            var refused = await Assert.ThrowsAsync<CurationException>(() => unproven.Client.GetGrain<ICurationJobGrain>(id).Cancel());
            Assert.Contains($"refused: this call names {claim} as its caller without proof", refused.Message, StringComparison.Ordinal);

            // Naming no one, it may still read.
            await using var reader = await ConnectAsync(silos, ca, "reader-" + claim, claim: null, prove: false);
            Assert.NotEqual(CurationJobPhase.NotStarted, (await reader.Client.GetGrain<ICurationJobGrain>(id).GetStatus()).Phase);
        }

        // Alice's job went on to its end, recorded as hers.
        var watch = await CliRun.RunAsync(["watch", id, .. asAlice]);
        Assert.True(watch.ExitCode == 0, watch.Error + silos.Logs());
        var status = await CliRun.RunAsync(["status", id, .. asAlice]);
        Assert.Contains($"{id}: Done;", status.Output, StringComparison.Ordinal);
        Assert.Contains("submitted by alice", status.Output, StringComparison.Ordinal);

        // A job bob's client submits while claiming to be alice is recorded as bob's.
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_dir.Combine("meta")).FullName, "en.json"), "[\"zebra\"]");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_dir.Combine("snap")).FullName, "a.jsonl"), "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        string bobsJob = "curate-" + Guid.NewGuid().ToString("N");
        await using (var bob = await ConnectAsync(silos, ca, "bob", claim: "alice"))
        {
            var options = new CurationOptions { Snapshot = _dir.Combine("snap"), Metadata = _dir.Combine("meta"), Output = _dir.Combine("bob-out"), Columns = new() { Lang = "lang" } };
            var started = await bob.Client.GetGrain<ICurationJobGrain>(bobsJob).Start(options);
            Assert.Equal("bob", started.SubmittedBy);
        }

        var bobs = await CliRun.RunAsync(["status", bobsJob, .. asAlice]);
        Assert.Contains("submitted by bob", bobs.Output, StringComparison.Ordinal);

        // Regression (a security review): any client, even a proven one, could add counts to another's job through its
        // language partition or write the job registry; a job id that is a path let a client have a silo delete a folder.
        await using (var bob = await ConnectAsync(silos, ca, "bob-4", claim: null))
        {
            string partition = JobWorkFolder.PartitionKey(id, "en");
            var added = await Assert.ThrowsAsync<CurationException>(() => bob.Client.GetGrain<ILanguagePartitionGrain>(partition).ApplyPartial(new ShardPartialCounts("forged", 1, [0], [1_000_000UL])));
            Assert.Contains("ILanguagePartitionGrain.ApplyPartial is called by the cluster's own grains only, not by clients", added.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<CurationException>(() => bob.Client.GetGrain<ILanguagePartitionGrain>(partition).GetCounts());
            var entry = await Assert.ThrowsAsync<CurationException>(() => bob.Client.GetGrain<IJobRegistryGrain>(0).Add(new JobEntry("fake", DateTimeOffset.UtcNow, "s", "o") { SubmittedBy = "alice" }));
            Assert.Contains("IJobRegistryGrain.Add is called by the cluster's own grains only", entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(await bob.Client.GetGrain<IJobRegistryGrain>(0).List(), e => e.Id == "fake");

            // The dashboard's origins, which its CORS answers trust: the silo recorded its own, a client may not add one.
            var origins = bob.Client.GetGrain<ISiloUrlRegistryGrain>(0);
            var origin = await Assert.ThrowsAsync<CurationException>(() => origins.Register("http://evil.example"));
            Assert.Contains("ISiloUrlRegistryGrain.Register is called by the cluster's own grains only", origin.Message, StringComparison.Ordinal);
            string[] recorded = [];
            for (var until = DateTime.UtcNow.AddSeconds(60); recorded.Length == 0 && DateTime.UtcNow < until; await Task.Delay(200))
            {
                recorded = await origins.Origins(); // the silo records its origin once it is active, off its start
            }

            Assert.Equal([$"http://127.0.0.1:{silos.HealthPort(0)}"], recorded);
            var path = await Assert.ThrowsAnyAsync<Exception>(() => bob.Client.GetGrain<ICurationJobGrain>("../../outside").Cancel());
            Assert.Contains("\"../../outside\" is not a job id", path.ToString(), StringComparison.Ordinal);
        }

        // A client that gives a grain as its calls' source (its connection may say so): no silo vouches for the call, so
        // it may not name anyone (alice's finished job is not retried) nor reach the cluster's own grains. The reply goes
        // to the source it gave, so the client hears nothing; the silo says why in its log.
        await using (var forger = await ConnectAsync(silos, ca, "bob-5", claim: "alice", forgeSource: true))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => forger.Client.GetGrain<ICurationJobGrain>(id).Retry(false));
        }

        await using (var forger = await ConnectAsync(silos, ca, "bob-6", claim: null, forgeSource: true))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => forger.Client.GetGrain<ILanguagePartitionGrain>(JobWorkFolder.PartitionKey(id, "en"))
                .ApplyPartial(new ShardPartialCounts("forged", 1, [0], [1_000_000UL])));
        }

        Assert.Contains($"{id}: Done;", (await CliRun.RunAsync(["status", id, .. asAlice])).Output, StringComparison.Ordinal);
        Assert.Contains("Refused a call to ICurationJobGrain.Retry that says it comes from metaclip.curationjob/forged", silos.Logs(), StringComparison.Ordinal);
        Assert.Contains("Refused a call to ILanguagePartitionGrain.ApplyPartial that says it comes from metaclip.curationjob/forged", silos.Logs(), StringComparison.Ordinal);

        // The dashboard's cancel (an operator key over HTTP), made inside the silo and signed with its certificate, still works.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var cancel = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{silos.HealthPort(0)}/api/jobs/{bobsJob}/cancel"));
        cancel.Headers.TryAddWithoutValidation("Authorization", "Bearer " + OperatorKey);
        using var cancelled = await http.SendAsync(cancel);
        Assert.True(cancelled.StatusCode == HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync() + silos.Logs());
        Assert.Contains($"{bobsJob}: Cancelled;", (await CliRun.RunAsync(["status", bobsJob, .. asAlice])).Output, StringComparison.Ordinal);
        Assert.Contains("Refused a call from client", silos.Logs(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Each_users_own_roots_let_a_user_write_only_into_their_own_folder_and_read_the_shared_ones()
    {
        string storage = AzuriteStorage.Require();
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        var silo = ca.IssuePem("silo");
        string users = _dir.Combine("users");
        await using var silos = new SiloProcesses(1, storage, trainingSilos: new HashSet<int> { 0 }, settings: new Dictionary<string, string>
        {
            ["METACLIP_TLS_CERT"] = silo.Certificate,
            ["METACLIP_TLS_KEY"] = silo.Key,
            ["METACLIP_TLS_CA"] = ca.CaFile,
            ["MetaClip__AllowedLocations"] = $"read:{Repository.Path("samples")};{users}/{{principal}}",
        });
        await silos.StartAllAsync();
        string[] job = ["--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20"];
        string[] As(string name)
        {
            var certificate = ca.IssuePem(name);
            return [.. silos.ClientOptions, "--tls-cert", certificate.Certificate, "--tls-key", certificate.Key, "--tls-ca", ca.CaFile];
        }

        string[] alice = As("alice"), bob = As("bob");

        // Alice's job reads the shared samples and writes into her own folder, through every shard's worker.
        var submitted = await CliRun.RunAsync(["submit", .. job, "--out", Path.Combine(users, "alice", "out"), .. alice]);
        Assert.True(submitted.ExitCode == 0, submitted.Error + silos.Logs());
        var watch = await CliRun.RunAsync(["watch", submitted.Output.Split(' ')[2], .. alice]);
        Assert.True(watch.ExitCode == 0, watch.Error + silos.Logs());
        Assert.True(File.Exists(Path.Combine(users, "alice", "out", "thresholds.json")));

        // Bob may neither write into alice's folder nor read from it, nor write into the shared, read-only samples.
        var intoAlices = await CliRun.RunAsync(["submit", .. job, "--out", Path.Combine(users, "alice", "bobs"), .. bob]);
        Assert.Equal(MetaClipCommandLine.InputError, intoAlices.ExitCode);
        Assert.Contains("is outside the locations this cluster allows (MetaClip:AllowedLocations, for a job of bob;", intoAlices.ErrorLine, StringComparison.Ordinal);
        var fromAlices = await CliRun.RunAsync(["train", "--job", Path.Combine(users, "alice", "out"), "--steps", "5", "--out", Path.Combine(users, "bob", "run"), "--submit", .. bob]);
        Assert.Equal(MetaClipCommandLine.InputError, fromAlices.ExitCode);
        Assert.Contains($"--job {Path.Combine(users, "alice", "out")} is outside the locations this cluster allows (MetaClip:AllowedLocations, for a job of bob;", fromAlices.ErrorLine, StringComparison.Ordinal);
        // Nor read alice's files through a report of his own that names them (online training reads what it names).
        Directory.CreateDirectory(Path.Combine(users, "bob", "fake"));
        var report = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(users, "alice", "out", "report.json")))!;
        report["snapshot"] = Path.Combine(users, "alice", "out", "curated");
        await File.WriteAllTextAsync(Path.Combine(users, "bob", "fake", "report.json"), report.ToJsonString());
        var online = await CliRun.RunAsync(["train", "--job", Path.Combine(users, "bob", "fake"), "--online", "--steps", "5", "--out", Path.Combine(users, "bob", "run"), "--submit", .. bob]);
        Assert.Equal(MetaClipCommandLine.InputError, online.ExitCode);
        Assert.Contains($"--online: the job's snapshot {Path.Combine(users, "alice", "out", "curated")} is outside the locations this cluster allows", online.ErrorLine, StringComparison.Ordinal);
        // Nor through a link in his own job folder to her curated set: the run checks each file it reads, and fails.
        string linked = Path.Combine(users, "bob", "linked", "curated");
        Directory.CreateDirectory(linked);
        string alicesPart = Directory.GetFiles(Path.Combine(users, "alice", "out", "curated"), "*.parquet").First();
        File.CreateSymbolicLink(Path.Combine(linked, "part-00000.parquet"), alicesPart);
        var throughLink = await CliRun.RunAsync(["train", "--job", Path.Combine(users, "bob", "linked"), "--steps", "5", "--out", Path.Combine(users, "bob", "run-linked"), "--submit", .. bob]);
        Assert.True(throughLink.ExitCode == 0, throughLink.Error + silos.Logs());
        var failed = await CliRun.RunAsync(["watch", throughLink.Output.Split(' ')[3], .. bob]);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains($"--job {Path.Combine(linked, "part-00000.parquet")} is outside the locations this cluster allows (MetaClip:AllowedLocations, for a job of bob;",
            failed.Output + failed.Error, StringComparison.Ordinal);

        var intoShared = await CliRun.RunAsync(["submit", .. job, "--out", Repository.Path("samples", "bobs-out"), .. bob]);
        Assert.Equal(MetaClipCommandLine.InputError, intoShared.ExitCode);
        Assert.Contains("is read-only for jobs: it may be read, not written", intoShared.ErrorLine, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(users, "alice", "bobs")));
        Assert.False(Directory.Exists(Repository.Path("samples", "bobs-out")));

        // In his own folder, bob's job runs.
        var bobs = await CliRun.RunAsync(["submit", .. job, "--out", Path.Combine(users, "bob", "out"), .. bob]);
        Assert.True(bobs.ExitCode == 0, bobs.Error + silos.Logs());
    }

    /// <summary>
    /// A client of the test's own over TLS with a certificate for <paramref name="certificateName"/>, whose calls say they
    /// come from <paramref name="claim"/> and, when <paramref name="prove"/>, carry a proof made by <paramref name="signer"/>
    /// (by default with its own certificate) naming <paramref name="signedName"/> (by default the certificate's name).
    /// </summary>
    internal static async Task<TestClient> ConnectAsync(SiloProcesses silos, TestCertificateAuthority ca, string certificateName, string? claim, bool prove = true,
        string? signedName = null, PrincipalProofSigner? signer = null, bool forgeSource = false)
    {
        var (certificate, key) = ca.IssuePem(certificateName);
        var certificates = TlsCertificates.Load(new TlsSettings { CertificateFile = certificate, KeyFile = key, CaFile = ca.CaFile });
        signer ??= new PrincipalProofSigner(() => certificates.Certificate);
        string? source = null;
        var client = await silos.ConnectAsync(builder =>
        {
            builder.UseTls(certificates.Configure);
            builder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = forgeSource ? TimeSpan.FromSeconds(5) : o.ResponseTimeout);
            builder.AddOutgoingGrainCallFilter(context =>
            {
                RequestContext.Remove(JobPrincipal.RequestContextKey);
                RequestContext.Remove(JobPrincipalProof.RequestContextKey);
                if (context.InterfaceMethod?.DeclaringType is not { } called || called.Assembly != typeof(ICallerSourceGrain).Assembly || called == typeof(ICallerSourceGrain))
                {
                    // The runtime's own calls (while connecting), and the question of the client's source: no name.
                    return context.Invoke();
                }

                if (claim is not null)
                {
                    RequestContext.Set(JobPrincipal.RequestContextKey, claim);
                }

                if (prove && source is not null)
                {
                    RequestContext.Set(JobPrincipalProof.RequestContextKey, signer.For(source, signedName));
                }

                return context.Invoke();
            });
        });
        source = await client.Client.GetGrain<ICallerSourceGrain>(0).CallerSource();
        Assert.NotNull(source);
        if (forgeSource)
        {
            // What a hostile client can do to its own runtime: the address its messages give as their sender.
            var runtime = client.Client.GetType().GetField("_runtimeClient", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(client.Client);
            var address = runtime?.GetType().GetField("<CurrentActivationAddress>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);
            Assert.True(address is not null, "this Orleans client no longer keeps its address where the test forges it");
            var own = (GrainAddress)address.GetValue(runtime)!;
            address.SetValue(runtime, new GrainAddress { GrainId = GrainId.Create("metaclip.curationjob", "forged"), SiloAddress = own.SiloAddress, ActivationId = own.ActivationId });
        }

        return client;
    }
}
