using MetaClip.Client.Commands;

// Not disposed: a Ctrl+C can arrive while the process ends, and cancelling a disposed source would throw on the
// signal's thread. A second Ctrl+C ends the process at once.
var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

// SIGTERM (a container stopped, a job scheduler's kill) cancels the same way: one line, nothing published, exit 130.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
});

return await MetaClipCommandLine.RunAsync(args, Console.Out, Console.Error, ConsoleProgress.IsInteractive(), cancel.Token);
