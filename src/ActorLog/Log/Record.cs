namespace ActorLog.Log;

/// <summary>A header of a record: a name and an opaque value, as in Kafka.</summary>
public sealed record RecordHeader(string Key, byte[]? Value);

/// <summary>One record as a producer sends it: the offset is assigned by the partition leader.</summary>
public sealed record Record(byte[]? Key, byte[]? Value, long Timestamp, IReadOnlyList<RecordHeader> Headers)
{
    public static readonly IReadOnlyList<RecordHeader> NoHeaders = Array.Empty<RecordHeader>();

    /// <summary>Bytes this record takes encoded in a batch (on the wire and in the journal).</summary>
    public int SizeInBytes => RecordCodec.EncodedSize(this);
}
