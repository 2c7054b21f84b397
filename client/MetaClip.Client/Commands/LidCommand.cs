using System.CommandLine;
using System.Globalization;
using System.Text;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Storage;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip lid</c>: language identification of every input line, printed exactly as
/// <c>fasttext predict-prob MODEL FILE k [threshold]</c> prints it (<c>__label__xx prob …</c>, probabilities
/// with six significant digits), so that the two outputs can be diffed.
/// </summary>
internal static class LidCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string?>("--model") { Description = $"The fastText model (.ftz or .bin). Default: ${LidModelLocation.EnvironmentVariable}, else {LidModelLocation.DefaultPath}.", HelpName = "PATH" };
        var k = new Option<int>("--k") { Description = "Labels per line, best first (fewer when fastText's probabilities fall below the threshold).", DefaultValueFactory = _ => 1, HelpName = "N" };
        var threshold = new Option<float>("--threshold") { Description = "Leave out labels below this probability (fastText's threshold argument).", DefaultValueFactory = _ => 0f, HelpName = "P" };
        var input = new Option<string>("--input") { Description = "The text file, one text per line, or - for standard input.", DefaultValueFactory = _ => "-", HelpName = "FILE" };
        k.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--k must be at least 1");
            }
        });
        var command = new Command("lid",
            "Identify the language of each input line with a fastText model (lid.176.ftz by default), printed like `fasttext predict-prob MODEL FILE k`.\n\n" +
            "Example:\n  echo 'Das ist ein Haus' | metaclip lid --k 3")
        {
            model,
            k,
            threshold,
            input,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string location = LidModelLocation.Resolve(parse.GetValue(model));
            if (!DataStore.IsBlob(location) && !File.Exists(location) && !Directory.Exists(location))
            {
                throw new MetaClip.Engine.CurationException($"LID model {location}: no such file (download lid.176.ftz with ./run.sh or ./test.sh, or give --model PATH / ${LidModelLocation.EnvironmentVariable})");
            }

            var loaded = await FastTextModel.LoadAsync(DataStore.FromEnvironment(), location, cancellationToken).ConfigureAwait(false);
            string file = parse.GetRequiredValue(input);
            await using var stream = file == "-" ? Console.OpenStandardInput() : OpenInput(file);
            await PredictAllAsync(loaded, stream, output, parse.GetValue(k), parse.GetValue(threshold), cancellationToken).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static FileStream OpenInput(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new MetaClip.Engine.CurationException($"input {file}: cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// The CLI's loop: each line is a text; a literal <c>&lt;/s&gt;</c> token ends a text early and the rest of
    /// the line is predicted as the next one; a last line without a newline gets no end-of-sentence token.
    /// </summary>
    internal static async Task PredictAllAsync(FastTextModel model, Stream input, TextWriter output, int k, float threshold, CancellationToken cancellationToken)
    {
        var predictor = model.CreatePredictor();
        var predictions = new LidPrediction[k];
        var labels = model.Vocabulary.Labels;
        var pending = new StringBuilder(1 << 17);
        byte[] buffer = new byte[1 << 16];
        int start = 0, end = 0;
        bool eof = false;
        while (true)
        {
            int newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                // Make room and read more.
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                int read = await input.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                eof = read == 0;
                end += read;
                continue;
            }

            bool endsWithNewline = newline >= 0;
            int length = endsWithNewline ? newline : end - start;
            if (!endsWithNewline && length == 0)
            {
                break;
            }

            int at = start;
            int lineEnd = start + length;
            while (true)
            {
                int count = predictor.PredictLine(buffer.AsSpan(at, lineEnd - at), endsWithNewline, predictions, threshold, out int consumed, out bool endedByToken);
                for (int i = 0; i < count; i++)
                {
                    if (i > 0)
                    {
                        pending.Append(' ');
                    }

                    pending.Append(labels[predictions[i].Label]).Append(' ').Append(FormatProbability(predictions[i].Probability));
                }

                pending.Append('\n');
                if (pending.Length >= 1 << 16)
                {
                    // Written in large blocks: a console writer flushes every write.
                    await output.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
                    pending.Clear();
                }
                at += consumed;
                if (!endedByToken || (at == lineEnd && !endsWithNewline))
                {
                    break;
                }
            }

            start = endsWithNewline ? lineEnd + 1 : end;
            if (!endsWithNewline)
            {
                break;
            }
        }

        await output.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A float as C++ <c>ostream &lt;&lt; float</c> prints it by default (printf <c>%g</c>, six significant
    /// digits: fixed notation for exponents -4…5, else <c>1.23457e-05</c>; trailing zeros dropped).
    /// </summary>
    internal static string FormatProbability(float value)
    {
        double v = value;
        if (v == 0)
        {
            return "0";
        }

        string e = v.ToString("E5", CultureInfo.InvariantCulture); // d.dddddE+xxx, correctly rounded
        int exponent = int.Parse(e.AsSpan(e.IndexOf('E', StringComparison.Ordinal) + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (exponent < -4 || exponent >= 6)
        {
            string mantissa = TrimZeros(e[..e.IndexOf('E', StringComparison.Ordinal)]);
            return $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):D2}";
        }

        return TrimZeros(v.ToString("F" + (5 - exponent).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }

    private static string TrimZeros(string number) =>
        number.Contains('.', StringComparison.Ordinal) ? number.TrimEnd('0').TrimEnd('.') : number;
}
