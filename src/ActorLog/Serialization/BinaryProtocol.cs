using System.Collections.Immutable;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Metadata;

namespace ActorLog.Serialization;

/// <summary>
/// Field encoders shared by every message: little-endian fixed-width numbers, length-prefixed strings and
/// byte arrays (-1 = null), count-prefixed lists. A record batch is written once and read back without
/// reflection; the journal stores these same bytes.
/// </summary>
internal static class BinaryProtocol
{
    public static void WriteBytes(this BinaryWriter w, byte[]? bytes)
    {
        if (bytes is null) { w.Write(-1); return; }
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    public static byte[]? ReadBytes(this BinaryReader r)
    {
        var length = r.ReadInt32();
        return length < 0 ? null : r.ReadBytes(length);
    }

    public static void WriteList<T>(this BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write(items.Count);
        foreach (var item in items) write(w, item);
    }

    public static T[] ReadList<T>(this BinaryReader r, Func<BinaryReader, T> read)
    {
        var count = r.ReadInt32();
        if (count < 0) throw new InvalidDataException($"Negative list length {count}");
        var items = new T[count];
        for (var i = 0; i < count; i++) items[i] = read(r);
        return items;
    }

    public static void WriteInts(this BinaryWriter w, IReadOnlyList<int> ints) => w.WriteList(ints, (x, i) => x.Write(i));

    public static int[] ReadInts(this BinaryReader r) => r.ReadList(x => x.ReadInt32());

    public static void WriteError(this BinaryWriter w, ErrorInfo? e)
    {
        w.Write(e is not null);
        if (e is null) return;
        w.Write((short)e.Code);
        w.Write(e.Message);
    }

    public static ErrorInfo? ReadError(this BinaryReader r) =>
        r.ReadBoolean() ? new ErrorInfo((ErrorCode)r.ReadInt16(), r.ReadString()) : null;

    public static void WriteOptional(this BinaryWriter w, long? value)
    {
        w.Write(value is not null);
        if (value is { } v) w.Write(v);
    }

    public static long? ReadOptionalLong(this BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    public static void WriteOptional(this BinaryWriter w, bool? value) => w.Write((byte)(value switch { null => 0, false => 1, true => 2 }));

    public static bool? ReadOptionalBool(this BinaryReader r) => r.ReadByte() switch { 0 => null, 1 => false, _ => true };

    public static void WriteTp(this BinaryWriter w, TopicPartition tp)
    {
        w.Write(tp.Topic);
        w.Write(tp.Partition);
    }

    public static TopicPartition ReadTp(this BinaryReader r) => new(r.ReadString(), r.ReadInt32());

    public static void WriteBatch(this BinaryWriter w, RecordBatch b)
    {
        w.Write(b.BaseOffset);
        w.Write(b.LeaderEpoch);
        w.Write(b.ProducerId);
        w.Write(b.BaseSequence);
        w.Write(b.Count);
        w.Write(b.AppendTimeMs);
        w.Write(b.Payload.Length);
        w.Write(b.Payload.Span);
    }

    /// <summary>Reads a batch; its payload is a slice of the message's own buffer when the stream exposes it (no copy).</summary>
    public static RecordBatch ReadBatch(this BinaryReader r) => r.ReadBatch(withAppendTime: true);

    /// <summary>A batch as journals stored it before batches carried their append time (manifest "B"): appended at 0, unknown.</summary>
    public static RecordBatch ReadBatchWithoutAppendTime(BinaryReader r) => r.ReadBatch(withAppendTime: false);

    private static RecordBatch ReadBatch(this BinaryReader r, bool withAppendTime)
    {
        var baseOffset = r.ReadInt64();
        var epoch = r.ReadInt32();
        var producerId = r.ReadInt64();
        var sequence = r.ReadInt32();
        var count = r.ReadInt32();
        var appendTime = withAppendTime ? r.ReadInt64() : 0;
        var length = r.ReadInt32();
        if (count < 0 || length < 0) throw new InvalidDataException($"Corrupt record batch header (count {count}, length {length})");
        ReadOnlyMemory<byte> payload;
        if (r.BaseStream is MemoryStream ms && ms.TryGetBuffer(out var buffer))
        {
            if (ms.Position + length > ms.Length) throw new InvalidDataException("Record batch payload runs past the message");
            payload = buffer.Array.AsMemory(buffer.Offset + (int)ms.Position, length);
            ms.Position += length;
        }
        else payload = r.ReadBytes(length);
        return new RecordBatch(baseOffset, epoch, producerId, sequence, count, payload, appendTime);
    }

    /// <summary>A log index snapshot: the log-end offset, the entry count, then each entry's eight fields (48 bytes).</summary>
    public static void WriteIndexSnapshot(BinaryWriter w, LogIndexSnapshot s)
    {
        w.Write(s.LogEndOffset);
        w.Write(s.Entries.Length);
        foreach (var e in s.Entries)
        {
            w.Write(e.BaseOffset);
            w.Write(e.Count);
            w.Write(e.LeaderEpoch);
            w.Write(e.SizeInBytes);
            w.Write(e.SequenceNr);
            w.Write(e.ProducerId);
            w.Write(e.BaseSequence);
            w.Write(e.AppendTimeMs);
        }
    }

    public static LogIndexSnapshot ReadIndexSnapshot(BinaryReader r) => ReadIndexSnapshot(r, withAppendTime: true);

    /// <summary>A snapshot as stored before index entries carried append times (manifest "LI", 40 bytes an entry).</summary>
    public static LogIndexSnapshot ReadIndexSnapshotWithoutAppendTimes(BinaryReader r) => ReadIndexSnapshot(r, withAppendTime: false);

    private static LogIndexSnapshot ReadIndexSnapshot(BinaryReader r, bool withAppendTime)
    {
        var logEnd = r.ReadInt64();
        var count = r.ReadInt32();
        var bytesPerEntry = withAppendTime ? LogIndexSnapshot.BytesPerEntry : LogIndexSnapshot.BytesPerEntry - sizeof(long);
        if (count < 0 || (long)count * bytesPerEntry > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"Corrupt log index snapshot ({count} entries)");
        var entries = new BatchIndexEntry[count];
        for (var i = 0; i < count; i++)
            entries[i] = new BatchIndexEntry(r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt32(),
                withAppendTime ? r.ReadInt64() : 0);
        return new LogIndexSnapshot(logEnd, entries);
    }

    /// <summary>Flag bits of a topic config's last byte: it was the unclean flag alone (0 or 1) before retention.</summary>
    private const byte UncleanFlag = 1, RetentionFollows = 2;

    public static void WriteTopicConfig(this BinaryWriter w, TopicConfig c)
    {
        w.Write(c.MinInsyncReplicas);
        w.Write(c.MaxMessageBytes);
        w.Write((byte)((c.UncleanLeaderElection ? UncleanFlag : 0) | RetentionFollows));
        w.Write(c.RetentionMs);
        w.Write(c.RetentionBytes);
    }

    public static TopicConfig ReadTopicConfig(this BinaryReader r)
    {
        var (minIsr, maxBytes, flags) = (r.ReadInt32(), r.ReadInt32(), r.ReadByte());
        var unclean = (flags & UncleanFlag) != 0;
        return (flags & RetentionFollows) != 0
            ? new TopicConfig(minIsr, maxBytes, unclean, r.ReadInt64(), r.ReadInt64())
            : new TopicConfig(minIsr, maxBytes, unclean);
    }

    public static void WritePartitionMetadata(this BinaryWriter w, PartitionMetadata p)
    {
        w.Write(p.Partition);
        w.Write(p.Leader);
        w.Write(p.LeaderEpoch);
        w.WriteInts(p.Replicas);
        w.WriteInts(p.Isr);
    }

    public static PartitionMetadata ReadPartitionMetadata(this BinaryReader r) =>
        new(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInts(), r.ReadInts());

    public static void WriteTopic(this BinaryWriter w, TopicMetadata t)
    {
        w.Write(t.Name);
        w.WriteTopicConfig(t.Config);
        w.WriteList(t.Partitions, WritePartitionMetadata);
    }

    public static TopicMetadata ReadTopic(this BinaryReader r) => new(r.ReadString(), r.ReadTopicConfig(), r.ReadList(ReadPartitionMetadata));

    public static void WriteClusterMetadata(this BinaryWriter w, ClusterMetadata m)
    {
        w.Write(m.Version);
        w.WriteList(m.Topics.Values.ToList(), WriteTopic);
        w.Write(m.ControllerEpoch);
        w.WriteInts(m.KnownBrokers.ToArray());
    }

    public static ClusterMetadata ReadClusterMetadata(this BinaryReader r)
    {
        var version = r.ReadInt64();
        var topics = r.ReadList(ReadTopic);
        // Added after the first encoding: values written before it end here (epoch 0).
        var controllerEpoch = r.BaseStream.Position < r.BaseStream.Length ? r.ReadInt32() : 0;
        var brokers = r.BaseStream.Position < r.BaseStream.Length ? r.ReadInts().ToImmutableSortedSet() : ImmutableSortedSet<int>.Empty;
        return new ClusterMetadata(version, topics.ToImmutableSortedDictionary(t => t.Name, t => t, StringComparer.Ordinal), controllerEpoch, brokers);
    }

    public static void WriteBroker(this BinaryWriter w, BrokerInfo b)
    {
        w.Write(b.Id);
        w.Write(b.Host);
        w.Write(b.Port);
        w.Write(b.Status);
    }

    public static BrokerInfo ReadBroker(this BinaryReader r) => new(r.ReadInt32(), r.ReadString(), r.ReadInt32(), r.ReadString());
}
