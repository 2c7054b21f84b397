using System.Globalization;
using MetaClip.Bench.Training;

// dotnet run -c Release --project bench/MetaClip.Bench.Training -- fashion-sample SHARED OUT_DIR
// dotnet run -c Release --project bench/MetaClip.Bench.Training -- fashion-experiment SHARED OUT_DIR [SEEDS] [STEPS] [POOL] [T_EN]
// dotnet run -c Release --project bench/MetaClip.Bench.Training -- throughput STEPS BATCH THREADS [fp32|bf16]
var inv = CultureInfo.InvariantCulture;
if (args.Length >= 3 && args[0] == "fashion-sample")
{
    return await FashionSample.WriteAsync(args[1], args[2]);
}

if (args.Length >= 3 && args[0] == "fashion-experiment")
{
    return await Experiment.RunAsync(args[1], args[2],
        args.Length > 3 ? int.Parse(args[3], inv) : 3, args.Length > 4 ? int.Parse(args[4], inv) : 400,
        args.Length > 5 ? int.Parse(args[5], inv) : 12_000, args.Length > 6 ? ulong.Parse(args[6], inv) : 300);
}

if (args.Length >= 4 && args[0] == "throughput")
{
    return Throughput.Run(int.Parse(args[1], inv), int.Parse(args[2], inv), int.Parse(args[3], inv),
        args.Length > 4 && args[4] == "bf16" ? MetaClip.Training.TrainingPrecision.Bf16 : MetaClip.Training.TrainingPrecision.Fp32);
}

Console.Error.WriteLine("usage: fashion-sample SHARED OUT_DIR | fashion-experiment SHARED OUT_DIR [SEEDS] [STEPS] [POOL] [T_EN] | throughput STEPS BATCH THREADS [fp32|bf16]");
return 2;
