using MetaClip.Client.Commands;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await MetaClipCommandLine.RunAsync(args, Console.Out, Console.Error, ConsoleProgress.IsInteractive(), cancel.Token);
