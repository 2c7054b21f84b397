using System.CommandLine;
using System.CommandLine.Parsing;
using MetaClip.Engine;

namespace MetaClip.Client.Commands;

/// <summary>
/// The <c>metaclip</c> command line. Exit codes: 0 success, 1 the job failed on its input, 2 the command line
/// is wrong, 70 an internal error, 130 cancelled. Every failure prints exactly one line on standard error.
/// </summary>
public static class MetaClipCommandLine
{
    public const int Success = 0;
    public const int InputError = 1;
    public const int UsageError = 2;
    public const int InternalError = 70;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = new RootCommand(
            "metaclip: curate worldwide image-text data with the MetaCLIP 2 recipe (balanced per-language sampling of alt-texts).\n" +
            "Run 'metaclip curate --help' to start.")
        {
            CurateCommand.Create(output, error, interactive),
        };
        root.Subcommands.Add(SubmitCommand.Create(output));
        root.Subcommands.Add(StatusCommand.Create(output));
        root.Subcommands.Add(WatchCommand.Create(output, interactive));
        root.Subcommands.Add(CancelCommand.Create(output));
        root.Subcommands.Add(RetryCommand.Create(output));
        root.Subcommands.Add(JobsCommand.Create(output));
        root.Subcommands.Add(DashboardCommand.Create(output));
        root.Subcommands.Add(ResultsCommand.Create(output));
        root.Subcommands.Add(CopyCommand.Create(output));
        root.Subcommands.Add(LidCommand.Create(output));
        root.Subcommands.Add(MetadataCommand.Create(output));
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output));

        UsageErrors.Harden(root);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string command = CommandPath(parse.CommandResult);
            await error.WriteLineAsync($"metaclip: error: {UsageErrors.Describe(parse.Errors[0])} (see '{command} --help')").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,

                // Ctrl+C and SIGTERM are Program's: System.CommandLine's own handling ended the process with 130 two
                // seconds after the signal, before an embedded silo had stopped, the line was said and the claim freed.
                ProcessTerminationTimeout = null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: whatever the interrupted step threw (a silo stopped during its start, a disposed resource), the
            // user's answer is that the command was cancelled.
            await error.WriteLineAsync("metaclip: cancelled; no outputs were written").ConfigureAwait(false);
            return Cancelled;
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"metaclip: error: {OneLine(e.Message)} (see '{e.Command} --help')").ConfigureAwait(false);
            return UsageError;
        }
        catch (CurationException e)
        {
            await error.WriteLineAsync($"metaclip: error: {OneLine(e.Message)}").ConfigureAwait(false);
            return InputError;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("metaclip: cancelled; no outputs were written").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"metaclip: error: {OneLine(e.Message)}").ConfigureAwait(false);
            return InputError;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync($"metaclip: internal error: {e.GetType().Name}: {OneLine(e.Message)} (set METACLIP_DEBUG=1 for details)").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("METACLIP_DEBUG") == "1")
            {
                await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return InternalError;
        }
    }

    private static string OneLine(string message) => TerminalText.Printable(message.ReplaceLineEndings(" "));

    /// <summary>The command as typed, e.g. <c>metaclip metadata build</c>.</summary>
    public static string CommandPath(SymbolResult? result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult command)
            {
                names.Add(command.Command is RootCommand ? "metaclip" : command.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
