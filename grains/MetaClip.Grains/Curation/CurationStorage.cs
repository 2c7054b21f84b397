namespace MetaClip.Grains.Curation;

/// <summary>Names of the cluster's storage providers.</summary>
public static class CurationStorage
{
    /// <summary>Grain state of jobs and language partitions.</summary>
    public const string Name = "curation";
}
