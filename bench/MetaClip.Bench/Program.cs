using BenchmarkDotNet.Running;
using MetaClip.Bench;

// dotnet run -c Release --project bench/MetaClip.Bench -- matching EN_JSON TEXTS_JSONL [ROUNDS]
// dotnet run -c Release --project bench/MetaClip.Bench -- lid MODEL TEXTS_TXT [ROUNDS]
// dotnet run -c Release --project bench/MetaClip.Bench -- metadata-scale TOTAL_ENTRIES LANGUAGES [SCRATCH_DIR]
// dotnet run -c Release --project bench/MetaClip.Bench -- matcher-load LIST_JSON[.gz] SCRATCH_DIR [ROUNDS]
// dotnet run -c Release --project bench/MetaClip.Bench -- one-row-group-parquet TEXTS_JSONL OUT_PARQUET ROWS [CODEC]
// dotnet run -c Release --project bench/MetaClip.Bench -- image-parquet TEXTS_JSONL OUT_PARQUET ROWS IMAGE_BYTES
// dotnet run -c Release --project bench/MetaClip.Bench -- split SNAPSHOT_JSONL RANGE_MB [ROUNDS] | split SNAPSHOT_PARQUET RANGE_ROWS [ROUNDS]
// dotnet run -c Release --project bench/MetaClip.Bench -- parquet-pages PARQUET
// dotnet run -c Release --project bench/MetaClip.Bench -- bdn [BenchmarkDotNet arguments]
if (args.Length >= 3 && args[0] == "matching")
{
    return MatchingMeasurement.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5);
}

if (args.Length >= 3 && args[0] == "lid")
{
    return LidMeasurement.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5);
}

if (args.Length >= 3 && args[0] == "metadata-scale")
{
    return MetadataScaleMeasurement.Run(long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args.Length > 3 ? args[3] : null);
}

if (args.Length >= 3 && args[0] == "matcher-load")
{
    return MatcherLoadMeasurement.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5);
}

if (args.Length >= 4 && args[0] == "one-row-group-parquet")
{
    return await OneRowGroupParquet.RunAsync(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args.Length > 4 ? args[4] : null);
}

if (args.Length >= 5 && args[0] == "image-parquet")
{
    return await ImageParquet.RunAsync(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length >= 3 && args[0] == "split")
{
    long range = long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
    return await SplitMeasurement.RunAsync(args[1], args[1].EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? range : range << 20,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 5);
}

if (args.Length >= 2 && args[0] == "parquet-pages")
{
    return await ParquetPages.RunAsync(args[1]);
}

if (args.Length >= 1 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(MatchingMeasurement).Assembly).Run(args[1..]);
    return 0;
}

Console.Error.WriteLine("usage: matching EN_JSON TEXTS_JSONL [ROUNDS] | lid MODEL TEXTS_TXT [ROUNDS] | metadata-scale TOTAL LANGUAGES [DIR] | matcher-load LIST_JSON SCRATCH_DIR [ROUNDS] | one-row-group-parquet TEXTS_JSONL OUT_PARQUET ROWS [CODEC] | image-parquet TEXTS_JSONL OUT_PARQUET ROWS IMAGE_BYTES | split SNAPSHOT_JSONL RANGE_MB [ROUNDS] | split SNAPSHOT_PARQUET RANGE_ROWS [ROUNDS] | parquet-pages PARQUET | bdn [BenchmarkDotNet arguments]");
return 2;
