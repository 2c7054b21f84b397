using System.Globalization;
using MetaClip.Bench.Cluster;

// dotnet run -c Release --project bench/MetaClip.Bench.Cluster -- partition [SHARDS] [IDS_PER_SHARD] [LIST_LENGTH] [ROUNDS]
if (args.Length >= 1 && args[0] == "partition")
{
    int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
    return await PartitionMeasurement.RunAsync(Arg(1, 400), Arg(2, 2000), Arg(3, 500_000), Arg(4, 3));
}

Console.Error.WriteLine("usage: partition [SHARDS] [IDS_PER_SHARD] [LIST_LENGTH] [ROUNDS]");
return 2;
