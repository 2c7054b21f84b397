using MetaClip.Client.Commands;

// Not disposed: a Ctrl+C can arrive while the process ends, and cancelling a disposed source would throw on the
// signal's thread. A second Ctrl+C ends the process at once.
var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

return await MetaClipCommandLine.RunAsync(args, Console.Out, Console.Error, ConsoleProgress.IsInteractive(), cancel.Token);
