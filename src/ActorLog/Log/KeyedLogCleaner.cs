using System.Buffers.Binary;

namespace ActorLog.Log;

/// <summary>
/// One cleaning pass of a keyed log by rewriting (decision 33, the offsets topic's cleaning): folds the records of
/// a prefix of the log to the latest record of each key and hands back the live ones as copies to append at the
/// log's end, after which the prefix can go. "Latest" is by a record's original offset (where it was first
/// written), carried by a copy in the <see cref="OriginalOffsetHeader"/> header, so a copy never outranks a newer
/// record of its key that was appended while the pass ran, and readers that fold the log apply the same rule.
/// Tombstones (null values) are dropped when the pass says so: safe only when no older copy of their key lies past the
/// folded prefix (the pass folds every copy appended before it); otherwise they are copied like live records, and a later
/// pass drops them. Records without a key cannot be superseded and have no place in a keyed log; they are dropped and counted.
/// </summary>
public sealed class KeyedLogCleaner
{
    /// <summary>Header of a copy: the offset its record was first written at (int64, little-endian).</summary>
    public const string OriginalOffsetHeader = "actorlog.original-offset";

    private readonly Dictionary<byte[], (long Version, Record Record)> _latest = new(ByteArrayComparer.Instance);

    /// <summary>Records folded so far.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>Records without a key, dropped.</summary>
    public long KeylessDropped { get; private set; }

    /// <summary>Keys seen (live or deleted).</summary>
    public int Keys => _latest.Count;

    /// <summary>The version a record competes with for its key: its original offset, or its own offset when it is no copy.</summary>
    public static long OriginalOffset(Record record, long offset)
    {
        foreach (var header in record.Headers)
            if (header.Key == OriginalOffsetHeader && header.Value is { Length: 8 } value) return BinaryPrimitives.ReadInt64LittleEndian(value);
        return offset;
    }

    /// <summary>Folds the batch's records with offsets in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public void Add(RecordBatch batch, long from, long to)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var offset = batch.BaseOffset + i;
            if (offset < from || offset >= to) continue;
            var record = batch.Records[i];
            RecordsRead++;
            if (record.Key is null)
            {
                KeylessDropped++;
                continue;
            }
            var version = OriginalOffset(record, offset);
            if (!_latest.TryGetValue(record.Key, out var current) || version > current.Version) _latest[record.Key] = (version, record);
        }
    }

    /// <summary>
    /// The latest record of each key (tombstones too unless <paramref name="dropTombstones"/>) in order of their original
    /// offsets, each carrying it, in batches whose encoded records stay within <paramref name="maxPayloadBytes"/> (a record
    /// alone above it gets a batch of its own).
    /// </summary>
    public IReadOnlyList<RecordBatch> Copies(int maxPayloadBytes, bool dropTombstones)
    {
        var batches = new List<RecordBatch>();
        var records = new List<Record>();
        var bytes = 0;
        foreach (var (version, record) in _latest.Values.Where(e => !dropTombstones || e.Record.Value is not null).OrderBy(e => e.Version))
        {
            var copy = AsCopy(record, version);
            var size = copy.SizeInBytes;
            if (records.Count > 0 && bytes + size > maxPayloadBytes)
            {
                batches.Add(new RecordBatch(0, -1, -1, -1, records.ToArray()));
                records.Clear();
                bytes = 0;
            }
            records.Add(copy);
            bytes += size;
        }
        if (records.Count > 0) batches.Add(new RecordBatch(0, -1, -1, -1, records.ToArray()));
        return batches;
    }

    private static Record AsCopy(Record record, long version)
    {
        if (record.Headers.Any(h => h.Key == OriginalOffsetHeader)) return record;
        var value = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(value, version);
        return record with { Headers = record.Headers.Append(new RecordHeader(OriginalOffsetHeader, value)).ToArray() };
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }
    }
}
