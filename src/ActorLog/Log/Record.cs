namespace ActorLog.Log;

/// <summary>A header of a record: a name and an opaque value, as in Kafka.</summary>
public sealed record RecordHeader(string Key, byte[]? Value);

/// <summary>One record as a producer sends it: the offset is assigned by the partition leader.</summary>
public sealed record Record(byte[]? Key, byte[]? Value, long Timestamp, IReadOnlyList<RecordHeader> Headers)
{
    public static readonly IReadOnlyList<RecordHeader> NoHeaders = Array.Empty<RecordHeader>();

    /// <summary>Bytes this record takes on the wire and in the journal, near enough for size limits.</summary>
    public int SizeInBytes
    {
        get
        {
            var size = 8 + 4 + (Key?.Length ?? 0) + 4 + (Value?.Length ?? 0) + 4;
            foreach (var h in Headers) size += 4 + h.Key.Length * 3 + 4 + (h.Value?.Length ?? 0);
            return size;
        }
    }
}
