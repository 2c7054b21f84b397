namespace MetaClip.Client.Commands;

/// <summary>
/// The command line asks for something the command cannot do (a job its own rules refuse, say): a usage error,
/// shown as one line with where to read the command's help.
/// </summary>
public sealed class UsageException : Exception
{
    public UsageException(string message, string command)
        : base(message)
    {
        Command = command;
    }

    public UsageException()
    {
        Command = "metaclip";
    }

    public UsageException(string message)
        : this(message, "metaclip")
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
        Command = "metaclip";
    }

    /// <summary>The command whose help explains the options, e.g. <c>metaclip curate</c>.</summary>
    public string Command { get; }
}
