namespace MetaClip.GrainInterfaces;

/// <summary>
/// A job's input is wrong (a file, row, field, option or metadata list); the message names what and where.
/// The wire form of the engine's input errors, so the message reaches the caller across silos.
/// </summary>
[GenerateSerializer, Alias("MetaClip.CurationInputException")]
public sealed class CurationInputException : Exception
{
    public CurationInputException()
    {
    }

    public CurationInputException(string message)
        : base(message)
    {
    }

    public CurationInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
