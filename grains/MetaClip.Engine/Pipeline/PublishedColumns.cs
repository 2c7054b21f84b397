namespace MetaClip.Engine.Pipeline;

/// <summary>The optional columns of a job's curated set, known once pass 1 has seen every unit.</summary>
/// <param name="WithKey">Some matched text has a <c>key</c> value.</param>
/// <param name="ImageColumn">The snapshot's image column, if any unit has one.</param>
public sealed record PublishedColumns(bool WithKey, string? ImageColumn);
