using System.Runtime.InteropServices;

namespace MetaClip.Engine.Json;

/// <summary>
/// Strings in the project's binary intermediates: UTF-16 code units with a length (−1 for null), because
/// texts may hold lone surrogates, which UTF-8 cannot carry. Written and read as whole spans of bytes.
/// </summary>
internal static class BinaryText
{
    public static void WriteText(this BinaryWriter writer, string? value)
    {
        writer.Write(value?.Length ?? -1);
        if (value is not null)
        {
            writer.Write(MemoryMarshal.AsBytes(value.AsSpan()));
        }
    }

    public static string? ReadText(this BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length < 0)
        {
            return null;
        }

        return string.Create(length, reader, static (span, r) =>
        {
            var bytes = MemoryMarshal.AsBytes(span);
            while (!bytes.IsEmpty)
            {
                int read = r.Read(bytes);
                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                bytes = bytes[read..];
            }
        });
    }
}
