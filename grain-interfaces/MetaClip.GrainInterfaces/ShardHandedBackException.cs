namespace MetaClip.GrainInterfaces;

/// <summary>
/// A shard's run was stopped because its silo is shutting down: the coordinator runs it again elsewhere at
/// once (this is not a failure of the shard).
/// </summary>
[GenerateSerializer, Alias("MetaClip.ShardHandedBackException")]
public sealed class ShardHandedBackException : Exception
{
    public ShardHandedBackException()
    {
    }

    public ShardHandedBackException(string message)
        : base(message)
    {
    }

    public ShardHandedBackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
