namespace MetaClip.Engine;

/// <summary>
/// A problem with the user's input or request (a bad file, row, field, option or metadata list).
/// Its message names what is wrong and where, and is shown to the user as it is.
/// </summary>
public sealed class CurationException : Exception
{
    public CurationException(string message)
        : base(message)
    {
    }

    public CurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CurationException()
    {
    }
}
