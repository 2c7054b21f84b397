namespace MetaClip.Json;

/// <summary>
/// Strings in the project's binary intermediates: UTF-16 code units with a length (−1 for null), because
/// texts may hold lone surrogates, which UTF-8 cannot carry.
/// </summary>
internal static class BinaryText
{
    public static void WriteText(this BinaryWriter writer, string? value)
    {
        writer.Write(value?.Length ?? -1);
        foreach (char c in value ?? string.Empty)
        {
            writer.Write((ushort)c);
        }
    }

    public static string? ReadText(this BinaryReader reader)
    {
        int length = reader.ReadInt32();
        return length < 0 ? null : string.Create(length, reader, (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (char)r.ReadUInt16();
            }
        });
    }
}
