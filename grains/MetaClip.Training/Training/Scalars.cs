using TorchSharp;

namespace MetaClip.Training;

/// <summary>
/// The constants the model's tensor operations take, as <see cref="Scalar"/>s that live for the process.
/// TorchSharp 0.107's operators turn numbers into a <see cref="Scalar"/> whose only reference ends once its handle is
/// read, so a garbage collection started by another thread during the native call can finalize (free) it while libtorch
/// still reads it — seen as "Expected false to be true … toFloat" in an addition during evaluation. Every operation here
/// therefore passes a held <see cref="Scalar"/> (statics, or a <c>using</c> local alive until the call returns).
/// </summary>
internal static class Scalars
{
    public static readonly Scalar One = 1;
    public static readonly Scalar Half = 0.5;
    public static readonly Scalar QuickGeluFactor = 1.702;
    public static readonly Scalar MaxLogitScale = 100;
    public static readonly Scalar Pad = ClipTokenizer.Pad;
}
