namespace MetaClip.GrainInterfaces;

/// <summary>
/// Marks a grain interface, or one method of one, that only the cluster's own grains call (a job's shard workers, its
/// language partitions, the registry's entries). With TLS a silo refuses such a call unless another silo of the cluster
/// vouches for it: a client may not run a worker's task, add to a job's counts or write the job registry.
/// </summary>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Method, Inherited = false)]
public sealed class ClusterInternalAttribute : Attribute;
