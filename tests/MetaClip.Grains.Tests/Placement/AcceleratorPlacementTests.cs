using MetaClip.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace MetaClip.Grains.Tests.Placement;

/// <summary>A grain that says which silo it lives on.</summary>
[Alias("MetaClip.Grains.Tests.ISiloProbeGrain")]
public interface ISiloProbeGrain : IGrainWithIntegerKey
{
    [Alias("Where")]
    Task<string> Where();
}

/// <summary>A probe placed like the training-job grain.</summary>
[AcceleratorPlacement]
public sealed class TrainingSiloProbeGrain(ILocalSiloDetails silo) : Grain, ISiloProbeGrain
{
    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());
}

/// <summary>Accelerator placement on real two-silo in-process clusters whose silos differ in their metadata.</summary>
public sealed class AcceleratorPlacementTests
{
    [Fact]
    public async Task A_training_grain_lands_on_the_gpu_silo_and_never_on_the_cpu_one()
    {
        var (cluster, first, _) = await StartAsync(new() { [AcceleratorPlacement.AcceleratorKey] = AcceleratorPlacement.Gpu }, []);
        await using var _ = cluster;
        string gpu = first.SiloAddress.ToString();
        for (int i = 0; i < 24; i++)
        {
            Assert.Equal(gpu, await cluster.Client.GetGrain<ISiloProbeGrain>(i).Where());
        }
    }

    [Fact]
    public async Task A_cpu_silo_marked_to_accept_training_takes_it()
    {
        var (cluster, _, second) = await StartAsync([], new() { [AcceleratorPlacement.TrainingKey] = AcceleratorPlacement.Accept });
        await using var _ = cluster;
        string accepting = second.SiloAddress.ToString();
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(accepting, await cluster.Client.GetGrain<ISiloProbeGrain>(i).Where());
        }
    }

    [Fact]
    public async Task Without_a_gpu_silo_the_activation_fails_saying_how_to_add_one()
    {
        var (cluster, _, _) = await StartAsync([], []);
        await using var _ = cluster;
        var e = await Assert.ThrowsAnyAsync<Exception>(() => cluster.Client.GetGrain<ISiloProbeGrain>(0).Where());
        Assert.Contains("Orleans__Metadata__accelerator=gpu", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A two-silo cluster: the first silo started gets <paramref name="first"/> as its metadata, the other <paramref name="second"/>.</summary>
    private static async Task<(InProcessTestCluster Cluster, InProcessSiloHandle First, InProcessSiloHandle Second)> StartAsync(
        Dictionary<string, string> first, Dictionary<string, string> second)
    {
        var builder = new InProcessTestClusterBuilder(2);
        var names = new List<string>();
        builder.ConfigureSilo((options, silo) =>
        {
            lock (names)
            {
                silo.UseSiloMetadata(names.Count == 0 ? first : second);
                names.Add(options.SiloName);
            }

            silo.AddPlacementDirector<AcceleratorPlacement, AcceleratorPlacementDirector>();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return (cluster, cluster.Silos.Single(s => s.Name == names[0]), cluster.Silos.Single(s => s.Name == names[1]));
    }
}
