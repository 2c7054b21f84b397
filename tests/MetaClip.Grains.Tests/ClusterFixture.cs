using MetaClip.Grains.Curation;
using MetaClip.Grains.Hosting;
using Orleans.TestingHost;

namespace MetaClip.Grains.Tests;

/// <summary>A real two-silo Orleans cluster in this process (in-memory transport and grain storage).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(CurationStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Services.AddMetaClipCuration();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
