using MetaClip.Engine;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// The wire form of the engine's input error: a grain throws <see cref="CurationException"/> and its caller, on
/// another silo or in the client, catches the same type with the same message.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.CurationException")]
public readonly record struct CurationExceptionSurrogate([property: Id(0)] string Message);

/// <summary>The one mapping between <see cref="CurationException"/> and its wire form.</summary>
[RegisterConverter]
public sealed class CurationExceptionConverter : IConverter<CurationException, CurationExceptionSurrogate>
{
    public CurationException ConvertFromSurrogate(in CurationExceptionSurrogate surrogate) => new(surrogate.Message);

    public CurationExceptionSurrogate ConvertToSurrogate(in CurationException value) => new(value?.Message ?? string.Empty);
}
