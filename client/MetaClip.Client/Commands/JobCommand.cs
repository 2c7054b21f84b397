using System.CommandLine;
using MetaClip.Client.Cluster;

namespace MetaClip.Client.Commands;

/// <summary>The parts of a command about one job on a cluster: the job id argument and the connection options.</summary>
internal sealed class JobCommand
{
    private JobCommand(string name, string description)
    {
        Command = new Command(name, description) { Id };
        Connection.AddTo(Command);
    }

    public Command Command { get; }

    public Argument<string> Id { get; } = new("job") { Description = "The job id that 'metaclip submit' (or 'metaclip train --submit') printed." };

    public ClusterConnection Connection { get; } = new();

    public static JobCommand Create(string name, string description) => new(name, description);
}
