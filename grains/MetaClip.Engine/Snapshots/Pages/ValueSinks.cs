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

    public override void Bytes(int index, ReadOnlySpan<byte> value) => Values[index] = Encoding.UTF8.GetString(value);

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

    public override void Bytes(int index, ReadOnlySpan<byte> value) => visit(index, Encoding.UTF8.GetString(value));

    public override void Integer(int index, long value) => visit(index, StringSink.Format(kind, value));
}
