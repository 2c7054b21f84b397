using System.Diagnostics;
using System.Text;
using MetaClip.Engine.Lid;

namespace MetaClip.Bench;

/// <summary>
/// A measured run of language identification with a fastText model: load time, then top-1 predictions of
/// every line of a text file on one thread (from strings, as curation calls it, and from the file's bytes,
/// as <c>metaclip lid</c> does), bytes allocated per text, and all cores through the batched identifier.
/// </summary>
internal static class LidMeasurement
{
    public static int Run(string modelPath, string textsPath, int rounds)
    {
        var cold = Stopwatch.StartNew();
        byte[] file = File.ReadAllBytes(modelPath);
        double read = cold.Elapsed.TotalMilliseconds;
        var first = FastTextModel.Load(file, modelPath);
        double parse = cold.Elapsed.TotalMilliseconds - read;
        first.CreatePredictor().Predict("warm", new LidPrediction[1]);
        Console.WriteLine($"cold: read {read:0.0} ms, first parse {parse:0.0} ms, first prediction {cold.Elapsed.TotalMilliseconds - read - parse:0.0} ms");
        var loads = new List<double>();
        FastTextModel model = null!;
        for (int i = 0; i < 7; i++)
        {
            var load = Stopwatch.StartNew();
            model = FastTextModel.Load(File.ReadAllBytes(modelPath), modelPath);
            loads.Add(load.Elapsed.TotalMilliseconds);
        }

        loads.Sort();
        Console.WriteLine($"model: {file.Length:N0} bytes, {model.Labels.Count} labels, {model.Args.Loss}; load (read + parse + build): first {loads[^1]:0.0} ms, median {loads[3]:0.0} ms");

        byte[] bytes = File.ReadAllBytes(textsPath);
        var texts = Encoding.UTF8.GetString(bytes).Split('\n');
        if (texts[^1].Length == 0)
        {
            texts = texts[..^1];
        }

        Console.WriteLine($"texts: {texts.Length:N0} lines, {bytes.Length / (double)texts.Length:0.0} bytes per line");

        var predictor = model.CreatePredictor();
        var one = new LidPrediction[1];
        long checksum = 0;
        foreach (string t in texts)
        {
            checksum += predictor.Predict(t, one) > 0 ? one[0].Label : -1; // warm-up
        }

        var rates = new List<double>();
        var cpuRates = new List<double>();
        long allocated = 0;
        for (int r = 0; r < rounds; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            double cpuBefore = ThreadCpu.Seconds();
            var watch = Stopwatch.StartNew();
            foreach (string t in texts)
            {
                checksum += predictor.Predict(t, one) > 0 ? one[0].Label : -1;
            }

            rates.Add(texts.Length / watch.Elapsed.TotalSeconds);
            cpuRates.Add(texts.Length / (ThreadCpu.Seconds() - cpuBefore));
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        rates.Sort();
        cpuRates.Sort();
        if (predictor.Words is { } words)
        {
            Console.WriteLine($"words remembered by the predictor: {words.Count:N0} of {words.Capacity:N0}; {words.Replaced:N0} replaced by others");
        }

        Console.WriteLine($"1 thread, from strings (curation): median {rates[rates.Count / 2]:N0} texts/s (best {rates[^1]:N0}); {allocated / (double)texts.Length:0.00} bytes allocated per text");
        Console.WriteLine($"1 thread, from strings, per CPU-second of the thread (load-independent): median {cpuRates[cpuRates.Count / 2]:N0} texts/s/core (best {cpuRates[^1]:N0})");

        rates.Clear();
        for (int r = 0; r < rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            ForEachLine(bytes, (line, newline) => predictor.PredictLine(line, newline, one, 0f, out _, out _));

            rates.Add(texts.Length / watch.Elapsed.TotalSeconds);
        }

        rates.Sort();
        Console.WriteLine($"1 thread, from the file's bytes: median {rates[rates.Count / 2]:N0} texts/s (best {rates[^1]:N0})");

        // The text-to-rows step alone (tokens, hashes, n-grams, prune table), computing every unknown word's rows and
        // remembering them (a fresh table each round: one pass over the texts, as curation makes), alternately.
        rates.Clear();
        var remembered = new List<double>();
        var rowList = new IntList();
        var hashList = new IntList();
        var scratch = new byte[1 << 16];
        for (int r = 0; r < rounds; r++)
        {
            foreach (bool remember in new[] { false, true })
            {
                var cache = remember ? new WordRowsCache() : null;
                var watch = Stopwatch.StartNew();
                double cpuBefore = ThreadCpu.Seconds();
                ForEachLine(bytes, (line, newline) =>
                {
                    rowList.Clear();
                    model.Vocabulary.AddLine(line, newline, ref rowList, ref hashList, scratch, cache, out _);
                    return rowList.Count;
                });

                (remember ? remembered : rates).Add(texts.Length / (ThreadCpu.Seconds() - cpuBefore));
            }
        }

        rates.Sort();
        remembered.Sort();
        Console.WriteLine($"1 thread, text to rows only, per CPU-second of the thread: median {rates[rates.Count / 2]:N0} texts/s computing every unknown word's rows, " +
            $"{remembered[remembered.Count / 2]:N0} remembering them (one pass)");

        var identifier = new LanguageIdentifier(model);
        foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            rates.Clear();
            for (int r = 0; r < rounds; r++)
            {
                var watch = Stopwatch.StartNew();
                var labels = identifier.IdentifyAll(texts, threads, CancellationToken.None);
                rates.Add(texts.Length / watch.Elapsed.TotalSeconds);
                checksum += labels.Length;
            }

            rates.Sort();
            Console.WriteLine($"{threads} thread(s), batched identifier (strip + LID): median {rates[rates.Count / 2]:N0} texts/s");
        }

        Console.WriteLine($"checksum {checksum}");
        return 0;
    }

    private delegate int LineAction(ReadOnlySpan<byte> line, bool endsWithNewline);

    private static void ForEachLine(byte[] bytes, LineAction action)
    {
        var span = bytes.AsSpan();
        while (!span.IsEmpty)
        {
            int nl = span.IndexOf((byte)'\n');
            action(nl < 0 ? span : span[..nl], nl >= 0);
            span = nl < 0 ? [] : span[(nl + 1)..];
        }
    }
}
