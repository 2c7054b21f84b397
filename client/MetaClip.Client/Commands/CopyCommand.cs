using System.CommandLine;
using MetaClip.Engine.Storage;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip copy SOURCE DESTINATION</c>: copies a file or a folder between local paths and blob prefixes
/// (<c>az://container/path</c>, in the account of <c>METACLIP_STORAGE_CONNECTION_STRING</c>) — a snapshot up to
/// the cluster's storage, a job's outputs back down.
/// </summary>
internal static class CopyCommand
{
    public static Command Create(TextWriter output)
    {
        var source = new Argument<string>("source") { Description = "A local file or folder, or az://container/path (a blob or a prefix)." };
        var destination = new Argument<string>("destination") { Description = "Where to: a local folder or az://container/path; a folder or prefix keeps the source's relative paths." };
        var command = new Command("copy",
            "Copy a file or folder between local paths and Azure Blob Storage (az://container/path, account from METACLIP_STORAGE_CONNECTION_STRING).\n\n" +
            "Example:\n  metaclip copy samples/snapshot az://snapshots/sample")
        {
            source,
            destination,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string from = DataStore.Normalize(parse.GetRequiredValue(source));
            string to = parse.GetRequiredValue(destination);
            int files = await DataStore.FromEnvironment().CopyAsync(from, to.EndsWith('/') ? DataStore.Normalize(to) + "/" : DataStore.Normalize(to), cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"Copied {files} file{(files == 1 ? "" : "s")} from {from} to {DataStore.Normalize(to)}").ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }
}
