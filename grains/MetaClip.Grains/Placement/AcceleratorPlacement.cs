using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace MetaClip.Grains.Placement;

/// <summary>
/// Placement on silos that can train: those whose silo metadata says <c>accelerator=gpu</c>
/// (<c>Orleans__Metadata__accelerator=gpu</c>), or <c>training=accept</c> for a CPU silo that is to take training
/// jobs anyway (tests, CPU-only machines). A grain with this placement never activates on any other silo, so a
/// CPU curation silo never loads the training code.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("MetaClip.AcceleratorPlacement")]
public sealed class AcceleratorPlacement : PlacementStrategy
{
    /// <summary>The silo metadata key of the accelerator a silo has.</summary>
    public const string AcceleratorKey = "accelerator";

    /// <summary>The <see cref="AcceleratorKey"/> value of a GPU silo.</summary>
    public const string Gpu = "gpu";

    /// <summary>The silo metadata key that lets a silo without a GPU accept training (value <see cref="Accept"/>).</summary>
    public const string TrainingKey = "training";

    public const string Accept = "accept";

    /// <summary>Whether a silo with this metadata may host a grain with this placement.</summary>
    public static bool CanTrain(SiloMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return CanTrain(metadata.Metadata);
    }

    /// <summary>Whether silo metadata with these key–value pairs makes a silo one that trains.</summary>
    public static bool CanTrain(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return (metadata.TryGetValue(AcceleratorKey, out var accelerator) && accelerator.Equals(Gpu, StringComparison.OrdinalIgnoreCase))
            || (metadata.TryGetValue(TrainingKey, out var training) && training.Equals(Accept, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Places the grain with <see cref="AcceleratorPlacement"/>: on a GPU silo (or one that accepts training).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AcceleratorPlacementAttribute() : PlacementAttribute(new AcceleratorPlacement());

/// <summary>
/// Chooses, among the silos compatible with the grain, one that <see cref="AcceleratorPlacement.CanTrain(SiloMetadata)"/> (the local
/// silo when it can, else one at random); fails the activation with a message saying how to add one when none can.
/// </summary>
public sealed class AcceleratorPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var eligible = context.GetCompatibleSilos(target).Where(s => AcceleratorPlacement.CanTrain(metadata.GetSiloMetadata(s))).ToArray();
        if (eligible.Length == 0)
        {
            throw new OrleansException(
                $"no silo can host {target.GrainIdentity.Type}: it needs a silo with {AcceleratorPlacement.AcceleratorKey}={AcceleratorPlacement.Gpu} in its metadata " +
                $"(Orleans__Metadata__{AcceleratorPlacement.AcceleratorKey}={AcceleratorPlacement.Gpu}), or {AcceleratorPlacement.TrainingKey}={AcceleratorPlacement.Accept} to train on a CPU silo");
        }

        var chosen = eligible.Contains(context.LocalSilo) ? context.LocalSilo : eligible[Random.Shared.Next(eligible.Length)];
        return Task.FromResult(chosen);
    }
}
