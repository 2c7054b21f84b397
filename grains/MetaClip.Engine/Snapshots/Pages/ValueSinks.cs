using System.Globalization;
using System.Text;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>
/// Values as text, as <see cref="ParquetUnitReader"/> gives them: UTF-8 strings decoded, integers (a uuid column may be
/// one) as their decimal digits.
/// </summary>
internal sealed class StringSink(string?[] values, ValueKind kind) : ValueSink
{
    public string?[] Values { get; } = values;

    public override void Null(int index) => Values[index] = null;

    public override void Bytes(int index, ReadOnlySpan<byte> value) => Values[index] = Decode(index, value);

    /// <summary>
    /// A UTF-8 value as a string; bytes that are not UTF-8 are an error (<see cref="InvalidUtf8Exception"/>), never
    /// U+FFFD, as in a JSON Lines snapshot: a curated text is the snapshot's, byte for byte.
    /// </summary>
    public static string Decode(int index, ReadOnlySpan<byte> value)
    {
        try
        {
            return Strict.GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidUtf8Exception(index, e.Index, e);
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override void Integer(int index, long value) => Values[index] = Format(kind, value);

    public static string Format(ValueKind kind, long value) => kind switch
    {
        ValueKind.UInt32 => unchecked((uint)value).ToString(CultureInfo.InvariantCulture),
        ValueKind.UInt64 => unchecked((ulong)value).ToString(CultureInfo.InvariantCulture),
        ValueKind.Int32 => ((int)value).ToString(CultureInfo.InvariantCulture),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>Binary values (image bytes).</summary>
internal sealed class BinarySink(byte[]?[] values) : ValueSink
{
    public byte[]?[] Values { get; } = values;

    public override void Null(int index) => Values[index] = null;

    public override void Bytes(int index, ReadOnlySpan<byte> value) => Values[index] = value.ToArray();

    public override void Integer(int index, long value) => throw new InvalidDataException("an integer in a binary column");
}

/// <summary>Each value as text, handed to a function with its index (nothing kept: a row group's uuids are not held as strings).</summary>
internal sealed class TextVisitor(ValueKind kind, Action<int, string?> visit) : ValueSink
{
    public override void Null(int index) => visit(index, null);

    public override void Bytes(int index, ReadOnlySpan<byte> value) => visit(index, StringSink.Decode(index, value));

    public override void Integer(int index, long value) => visit(index, StringSink.Format(kind, value));
}

/// <summary>A string value (row <see cref="Index"/> of the range read) whose bytes are not UTF-8.</summary>
internal sealed class InvalidUtf8Exception(int index, int byteIndex, Exception inner)
    : Exception($"not valid UTF-8 (at byte {byteIndex} of the value)", inner)
{
    /// <summary>The value's index from the range's first row.</summary>
    public int Index { get; } = index;
}
