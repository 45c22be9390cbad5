using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using ActorLog.Controller;
using ActorLog.Gateway;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;


namespace ActorLog.Serialization;

/// <summary>
/// The one serializer for everything ActorLog sends between nodes or persists. Manifests are short and
/// frozen: they are stored in every journal row, so a manifest is never renamed or reused.
/// </summary>
public sealed partial class ActorLogSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 9100;

    private static readonly Dictionary<Type, (string Manifest, Action<BinaryWriter, object> Write)> Writers = new();
    private static readonly Dictionary<string, Func<BinaryReader, object>> Readers = new();

    static ActorLogSerializer()
    {
        // Persisted (journal and Distributed Data): never change these encodings, only add new manifests.
        Register<RecordBatch>("B2", BinaryProtocol.WriteBatch, BinaryProtocol.ReadBatch);
        Register<LogTruncated>("T", (w, m) => { w.Write(m.Offset); w.Write(m.LeaderEpoch); }, r => new LogTruncated(r.ReadInt64(), r.ReadInt32()));
        Register<LogStartAdvanced>("LS", (w, m) => w.Write(m.Offset), r => new LogStartAdvanced(r.ReadInt64()));
        Register<LogIndexSnapshot>("LI2", BinaryProtocol.WriteIndexSnapshot, BinaryProtocol.ReadIndexSnapshot);
        // Encodings retired when batches gained their append time: still read, never written.
        RegisterReader("B", BinaryProtocol.ReadBatchWithoutAppendTime);
        RegisterReader("LI", BinaryProtocol.ReadIndexSnapshotWithoutAppendTimes);
        Register<ClusterMetadata>("CM", BinaryProtocol.WriteClusterMetadata, BinaryProtocol.ReadClusterMetadata);
        Register<BrokerInfo>("BI", BinaryProtocol.WriteBroker, BinaryProtocol.ReadBroker);

        Register<PartitionProtocol.Produce>("P", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.Acks); w.Write(m.TimeoutMs); w.WriteBatch(m.Batch); w.Write(m.CorrelationId);
        }, r => new PartitionProtocol.Produce(r.ReadTp(), r.ReadInt16(), r.ReadInt32(), r.ReadBatch()) { CorrelationId = r.ReadInt64() });
        Register<PartitionProtocol.ProduceResult>("PR", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.BaseOffset); w.WriteError(m.Error); w.Write(m.LeaderHint); w.Write(m.LeaderEpochHint);
            w.Write(m.CorrelationId);
        }, r => new PartitionProtocol.ProduceResult(r.ReadTp(), r.ReadInt64(), r.ReadError(), r.ReadInt32(), r.ReadInt32())
        {
            CorrelationId = r.ReadInt64(),
        });
        Register<PartitionProtocol.Fetch>("F", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.Offset); w.Write(m.MaxBytes); w.Write(m.MaxWaitMs);
        }, r => new PartitionProtocol.Fetch(r.ReadTp(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32()));
        Register<PartitionProtocol.FetchResult>("FR", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.HighWatermark); w.Write(m.LogStartOffset); w.WriteList(m.Batches, BinaryProtocol.WriteBatch);
            w.WriteError(m.Error); w.Write(m.LeaderHint); w.Write(m.LeaderEpochHint);
        }, r => new PartitionProtocol.FetchResult(r.ReadTp(), r.ReadInt64(), r.ReadInt64(), r.ReadList(BinaryProtocol.ReadBatch), r.ReadError(),
            r.ReadInt32(), r.ReadInt32()));
        Register<PartitionProtocol.GetPartitionState>("GS", (w, m) => w.WriteTp(m.Partition),
            r => new PartitionProtocol.GetPartitionState(r.ReadTp()));
        Register<PartitionProtocol.PartitionState>("PS", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.Role); w.Write(m.LeaderEpoch); w.Write(m.LogEndOffset); w.Write(m.HighWatermark);
            w.WriteInts(m.InSyncReplicas); w.WriteError(m.Error); w.Write(m.LogStartOffset); w.Write(m.LogSizeBytes);
        }, r => new PartitionProtocol.PartitionState(r.ReadTp(), r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(),
            r.ReadInts(), r.ReadError()) { LogStartOffset = r.ReadInt64(), LogSizeBytes = r.ReadInt64() });

        Register<ReplicationProtocol.FollowerFetch>("FF", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.FollowerBrokerId); w.Write(m.LeaderEpoch); w.Write(m.FetchOffset); w.Write(m.LastFetchedEpoch);
        }, r => new ReplicationProtocol.FollowerFetch(r.ReadTp(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt32()));
        Register<ReplicationProtocol.FollowerFetchResult>("FFR", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.LeaderEpoch); w.Write(m.TruncateTo); w.Write(m.HighWatermark); w.WriteError(m.Error);
            w.Write(m.LogStartOffset);
        }, r => new ReplicationProtocol.FollowerFetchResult(r.ReadTp(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadError())
        {
            LogStartOffset = r.ReadInt64(),
        });
        Register<ReplicationProtocol.ReplicateBatch>("RB", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.LeaderEpoch); w.WriteBatch(m.Batch); w.Write(m.HighWatermark);
        }, r => new ReplicationProtocol.ReplicateBatch(r.ReadTp(), r.ReadInt32(), r.ReadBatch(), r.ReadInt64()));
        Register<ReplicationProtocol.FollowerAck>("FA", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.FollowerBrokerId); w.Write(m.LeaderEpoch); w.Write(m.LogEndOffset);
        }, r => new ReplicationProtocol.FollowerAck(r.ReadTp(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64()));
        Register<ReplicationProtocol.LogStartMoved>("SM", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.LeaderEpoch); w.Write(m.LogStartOffset);
        }, r => new ReplicationProtocol.LogStartMoved(r.ReadTp(), r.ReadInt32(), r.ReadInt64()));

        Register<ControllerProtocol.CreateTopic>("CT", (w, m) =>
        {
            w.Write(m.Name); w.Write(m.Partitions); w.Write(m.ReplicationFactor); w.Write(m.MinInsyncReplicas); w.Write(m.MaxMessageBytes);
            w.Write(m.UncleanLeaderElection); w.WriteOptional(m.RetentionMs); w.WriteOptional(m.RetentionBytes);
        }, r =>
        {
            var (name, partitions, rf, minIsr, maxBytes) = (r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
            // Older clients ended the message before the unclean flag, then before retention.
            var unclean = r.BaseStream.Position < r.BaseStream.Length && r.ReadBoolean();
            var more = r.BaseStream.Position < r.BaseStream.Length;
            return new ControllerProtocol.CreateTopic(name, partitions, rf, minIsr, maxBytes, unclean,
                more ? r.ReadOptionalLong() : null, more ? r.ReadOptionalLong() : null);
        });
        Register<ControllerProtocol.AlterTopicConfig>("ATC", (w, m) =>
        {
            w.Write(m.Name); w.WriteOptional(m.UncleanLeaderElection); w.WriteOptional(m.RetentionMs); w.WriteOptional(m.RetentionBytes);
        }, r => new ControllerProtocol.AlterTopicConfig(r.ReadString(), r.ReadOptionalBool(), r.ReadOptionalLong(), r.ReadOptionalLong()));
        Register<ControllerProtocol.AddPartitions>("AP", (w, m) => { w.Write(m.Name); w.Write(m.TotalPartitions); },
            r => new ControllerProtocol.AddPartitions(r.ReadString(), r.ReadInt32()));
        Register<ControllerProtocol.ElectPreferredLeaders>("EPL", (w, m) => { w.Write(m.Topic is not null); if (m.Topic is not null) w.Write(m.Topic); },
            r => new ControllerProtocol.ElectPreferredLeaders(r.ReadBoolean() ? r.ReadString() : null));
        Register<ControllerProtocol.ElectPreferredLeadersResult>("EPR", (w, m) =>
        {
            w.WriteList(m.Partitions, (x, e) =>
            {
                x.Write(e.Topic); x.Write(e.Partition); x.Write(e.Leader); x.Write(e.LeaderEpoch); x.Write((byte)e.Outcome); x.Write(e.Reason);
            });
            w.WriteError(m.Error);
        }, r => new ControllerProtocol.ElectPreferredLeadersResult(r.ReadList(x => new ControllerProtocol.PartitionElection(
            x.ReadString(), x.ReadInt32(), x.ReadInt32(), x.ReadInt32(), (PreferredOutcome)x.ReadByte(), x.ReadString())), r.ReadError()));
        Register<ControllerProtocol.DeleteTopic>("DT", (w, m) => w.Write(m.Name), r => new ControllerProtocol.DeleteTopic(r.ReadString()));
        Register<ControllerProtocol.TopicResult>("TR", (w, m) =>
        {
            w.Write(m.Topic is not null); if (m.Topic is not null) w.WriteTopic(m.Topic); w.WriteError(m.Error);
        }, r => new ControllerProtocol.TopicResult(r.ReadBoolean() ? r.ReadTopic() : null, r.ReadError()));
        Register<ControllerProtocol.AlterIsr>("AI", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.LeaderBrokerId); w.Write(m.LeaderEpoch); w.WriteInts(m.Isr);
        }, r => new ControllerProtocol.AlterIsr(r.ReadTp(), r.ReadInt32(), r.ReadInt32(), r.ReadInts()));
        Register<ControllerProtocol.ClaimLeaderEpoch>("CLE", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.BrokerId); w.Write(m.Incarnation); w.Write(m.Restarted);
        }, r => new ControllerProtocol.ClaimLeaderEpoch(r.ReadTp(), r.ReadInt32(), r.ReadInt64(), r.ReadBoolean()));
        Register<ControllerProtocol.LeaderEpochClaimed>("LEC", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.Metadata is not null); if (m.Metadata is not null) w.WritePartitionMetadata(m.Metadata);
            w.WriteError(m.Error);
        }, r => new ControllerProtocol.LeaderEpochClaimed(r.ReadTp(), r.ReadBoolean() ? r.ReadPartitionMetadata() : null, r.ReadError()));
        Register<ControllerProtocol.AlterIsrResult>("AIR", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.Metadata is not null); if (m.Metadata is not null) w.WritePartitionMetadata(m.Metadata);
            w.WriteError(m.Error);
        }, r => new ControllerProtocol.AlterIsrResult(r.ReadTp(), r.ReadBoolean() ? r.ReadPartitionMetadata() : null, r.ReadError()));

        Register<GatewayProtocol.GetMetadata>("GM", (w, m) =>
        {
            w.Write(m.Topics is not null); if (m.Topics is not null) w.WriteList(m.Topics, (x, s) => x.Write(s));
        }, r => new GatewayProtocol.GetMetadata(r.ReadBoolean() ? r.ReadList(x => x.ReadString()) : null));
        Register<GatewayProtocol.MetadataResult>("MR", (w, m) =>
        {
            w.WriteList(m.Brokers, BinaryProtocol.WriteBroker); w.Write(m.ControllerBrokerId); w.WriteList(m.Topics, BinaryProtocol.WriteTopic); w.WriteError(m.Error);
        }, r => new GatewayProtocol.MetadataResult(r.ReadList(BinaryProtocol.ReadBroker), r.ReadInt32(), r.ReadList(BinaryProtocol.ReadTopic), r.ReadError()));
        Register<GatewayProtocol.DescribeTopic>("D", (w, m) => w.Write(m.Name), r => new GatewayProtocol.DescribeTopic(r.ReadString()));
        Register<GatewayProtocol.PartitionDescription>("PD", WritePartitionDescription, ReadPartitionDescription);
        Register<GatewayProtocol.ResolveReplica>("RR", (w, m) => w.WriteTp(m.Partition), r => new GatewayProtocol.ResolveReplica(r.ReadTp()));
        Register<GatewayProtocol.ReplicaLocation>("RL", (w, m) =>
        {
            w.WriteTp(m.Partition); w.Write(m.ReplicaPath is not null); if (m.ReplicaPath is not null) w.Write(m.ReplicaPath);
        }, r => new GatewayProtocol.ReplicaLocation(r.ReadTp(), r.ReadBoolean() ? r.ReadString() : null));
        Register<GatewayProtocol.TopicDescription>("TD", (w, m) =>
        {
            w.Write(m.Name); w.Write(m.Config is not null); if (m.Config is not null) w.WriteTopicConfig(m.Config);
            w.WriteList(m.Partitions, WritePartitionDescription); w.WriteError(m.Error);
        }, r => new GatewayProtocol.TopicDescription(r.ReadString(), r.ReadBoolean() ? r.ReadTopicConfig() : null,
            r.ReadList(ReadPartitionDescription), r.ReadError()));

        RegisterGroupMessages();
    }

    private static void WritePartitionDescription(BinaryWriter w, GatewayProtocol.PartitionDescription m)
    {
        w.Write(m.Partition); w.Write(m.Leader); w.Write(m.LeaderEpoch); w.WriteInts(m.Replicas); w.WriteInts(m.Isr);
        w.Write(m.LogEndOffset); w.Write(m.HighWatermark); w.Write(m.LogStartOffset); w.Write(m.LogSizeBytes);
    }

    private static GatewayProtocol.PartitionDescription ReadPartitionDescription(BinaryReader r) =>
        new(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInts(), r.ReadInts(), r.ReadInt64(), r.ReadInt64())
        {
            LogStartOffset = r.ReadInt64(),
            LogSizeBytes = r.ReadInt64(),
        };

    private static void Register<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, T> read) where T : notnull
    {
        RegisterReader(manifest, read);
        Writers[typeof(T)] = (manifest, (w, o) => write(w, (T)o));
    }

    /// <summary>A manifest that is only read: an older encoding of a type that journals and snapshots may still hold.</summary>
    private static void RegisterReader<T>(string manifest, Func<BinaryReader, T> read) where T : notnull
    {
        if (Readers.ContainsKey(manifest)) throw new InvalidOperationException($"Manifest [{manifest}] registered twice");
        Readers[manifest] = r => read(r);
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Writers.TryGetValue(o.GetType(), out var entry)
            ? entry.Manifest
            : throw new SerializationException($"{nameof(ActorLogSerializer)} cannot serialize [{o.GetType()}]");

    public override byte[] ToBinary(object obj)
    {
        if (!Writers.TryGetValue(obj.GetType(), out var entry))
            throw new SerializationException($"{nameof(ActorLogSerializer)} cannot serialize [{obj.GetType()}]");
        // Written into this thread's reused buffer, then copied out once at the exact size: a fresh stream per call
        // grew by doubling, so a 50 KB record batch cost ~3x its size in allocations and copies, on every hop and
        // journal write (and gen0 here is only a couple of MB).
        var scratch = _scratch ??= new Scratch();
        scratch.Stream.SetLength(0);
        entry.Write(scratch.Writer, obj);
        var bytes = scratch.Stream.ToArray();
        if (scratch.Stream.Capacity > MaxRetainedScratchBytes) _scratch = null;
        return bytes;
    }

    /// <summary>
    /// Largest buffer a thread keeps between calls (the buffer doubles as it grows): a full fetch answer (1 MiB of
    /// batches by default) and a full produce batch fit. Larger messages are rare and pay for their own buffer.
    /// </summary>
    private const int MaxRetainedScratchBytes = 2 << 20;

    [ThreadStatic] private static Scratch? _scratch;

    /// <summary>A thread's serialization buffer. Writers never call back into serialization, so one per thread suffices.</summary>
    private sealed class Scratch
    {
        public readonly MemoryStream Stream = new(4096);
        public readonly BinaryWriter Writer;

        public Scratch() => Writer = new BinaryWriter(Stream, System.Text.Encoding.UTF8, leaveOpen: true);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Readers.TryGetValue(manifest, out var read))
            throw new SerializationException($"{nameof(ActorLogSerializer)}: unknown manifest [{manifest}]");
        // publiclyVisible: record batch payloads are read as slices of this buffer instead of copies.
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true), System.Text.Encoding.UTF8);
        return read(reader);
    }
}
