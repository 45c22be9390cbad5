using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorLog.Log;

/// <summary>
/// The encoding of a batch's records, in the journal and on the wire (frozen: journals hold it). Per record,
/// little-endian: timestamp (int64), key length (int32, -1 = null) and bytes, value length and bytes,
/// header count (int32), then per header: name length (int32) and UTF-8 bytes, value length and bytes.
/// </summary>
public static class RecordCodec
{
    public static byte[] Encode(IReadOnlyList<Record> records)
    {
        var size = 0;
        foreach (var r in records) size += EncodedSize(r);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        foreach (var r in records)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, r.Timestamp);
            span = span[8..];
            span = WriteBytes(span, r.Key);
            span = WriteBytes(span, r.Value);
            BinaryPrimitives.WriteInt32LittleEndian(span, r.Headers.Count);
            span = span[4..];
            foreach (var h in r.Headers)
            {
                span = WriteBytes(span, Encoding.UTF8.GetBytes(h.Key));
                span = WriteBytes(span, h.Value);
            }
        }
        return buffer;
    }

    public static int EncodedSize(Record r)
    {
        var size = 8 + 4 + (r.Key?.Length ?? 0) + 4 + (r.Value?.Length ?? 0) + 4;
        foreach (var h in r.Headers) size += 4 + Encoding.UTF8.GetByteCount(h.Key) + 4 + (h.Value?.Length ?? 0);
        return size;
    }

    public static IReadOnlyList<Record> Decode(ReadOnlyMemory<byte> payload, int count)
    {
        var records = new Record[count];
        var span = payload.Span;
        for (var i = 0; i < count; i++)
        {
            var timestamp = BinaryPrimitives.ReadInt64LittleEndian(span);
            span = span[8..];
            var key = ReadBytes(ref span);
            var value = ReadBytes(ref span);
            var headerCount = BinaryPrimitives.ReadInt32LittleEndian(span);
            span = span[4..];
            IReadOnlyList<RecordHeader> headers = Record.NoHeaders;
            if (headerCount > 0)
            {
                var list = new RecordHeader[headerCount];
                for (var h = 0; h < headerCount; h++)
                    list[h] = new RecordHeader(Encoding.UTF8.GetString(ReadBytes(ref span) ?? Array.Empty<byte>()), ReadBytes(ref span));
                headers = list;
            }
            records[i] = new Record(key, value, timestamp, headers);
        }
        if (!span.IsEmpty) throw new InvalidDataException($"{span.Length} bytes left after decoding {count} records");
        return records;
    }

    private static Span<byte> WriteBytes(Span<byte> span, byte[]? bytes)
    {
        if (bytes is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span, -1);
            return span[4..];
        }
        BinaryPrimitives.WriteInt32LittleEndian(span, bytes.Length);
        bytes.CopyTo(span[4..]);
        return span[(4 + bytes.Length)..];
    }

    private static byte[]? ReadBytes(ref ReadOnlySpan<byte> span)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(span);
        span = span[4..];
        if (length < 0) return null;
        if (length > span.Length) throw new InvalidDataException($"A field of {length} bytes runs past the batch");
        var bytes = span[..length].ToArray();
        span = span[length..];
        return bytes;
    }
}
