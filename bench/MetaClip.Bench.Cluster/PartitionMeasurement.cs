using System.Diagnostics;
using System.Globalization;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetaClip.Bench.Cluster;

/// <summary>
/// The throughput of one language partition (the English one, which every shard reaches): partials of
/// <c>ids</c> random entries of a <c>length</c>-entry list sent all at once, then one at a time, to a partition
/// on a one-silo cluster with memory grain state.
/// </summary>
internal static class PartitionMeasurement
{
    public static async Task<int> RunAsync(int shards, int ids, int length, int rounds)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: 22111, gatewayPort: 32000);
            silo.AddCurationStorage(GrainStorageKind.Memory, connectionString: null, serviceId: "bench");
            silo.Services.AddMetaClipCuration();
        });
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IClusterClient>();
        var random = new Random(1);
        ShardPartialCounts Partial(string id)
        {
            int[] entries = [.. Enumerable.Range(0, ids).Select(_ => random.Next(length)).Distinct().Order()];
            return new ShardPartialCounts(id, length, entries, [.. entries.Select(_ => 1UL)]);
        }

        for (int round = 1; round <= rounds; round++)
        {
            var partition = client.GetGrain<ILanguagePartitionGrain>($"round-{round}/en");
            for (int i = 0; i < 5; i++)
            {
                await partition.ApplyPartial(Partial($"warm-{i}"));
            }

            var together = Enumerable.Range(0, shards).Select(i => Partial($"together-{i}")).ToList();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(together.Select(partition.ApplyPartial));
            double concurrent = clock.Elapsed.TotalSeconds;
            var alone = Enumerable.Range(0, shards / 4).Select(i => Partial($"alone-{i}")).ToList();
            clock.Restart();
            foreach (var partial in alone)
            {
                await partition.ApplyPartial(partial);
            }

            double sequential = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {shards} partials at once {concurrent:0.000} s ({shards / concurrent:0}/s); {alone.Count} one at a time {sequential:0.000} s ({sequential * 1000 / alone.Count:0.0} ms each)"));
        }

        await host.StopAsync();
        return 0;
    }
}
