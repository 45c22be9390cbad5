using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Serialization;
using Xunit;
using Record = ActorLog.Log.Record;

namespace ActorLog.Tests.Unit;

/// <summary>Runs on an actor system configured as a broker's (hocon/actorlog.conf), with the local provider.</summary>
public class ActorLogSerializerTests() : Akka.TestKit.Xunit2.TestKit(BrokerLikeConfig)
{
    private static readonly Config BrokerLikeConfig =
        ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(ActorLog.Configuration.DefaultConfig.Load());

    public static TheoryData<string> SampleNames => new(SerializerSamples.All.Keys);

    private ActorLogSerializer Serializer => new((ExtendedActorSystem)Sys);

    private object RoundTrip(object message)
    {
        var serializer = Serializer;
        var bytes = serializer.ToBinary(message);
        return serializer.FromBinary(bytes, serializer.Manifest(message));
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Every_message_round_trips_through_the_serializer(string name)
    {
        var message = SerializerSamples.All[name];
        var back = RoundTrip(message);
        Assert.IsType(message.GetType(), back);
        Assert.Equal(Structural.Flatten(message), Structural.Flatten(back));
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void The_actor_system_picks_this_serializer_and_round_trips_through_it(string name)
    {
        var message = SerializerSamples.All[name];
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ActorLogSerializer>(serializer);
        Assert.Equal(ActorLogSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(9100, serializer.Identifier);

        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(Structural.Flatten(message), Structural.Flatten(back));
    }

    [Fact]
    public void The_samples_cover_every_message_type()
    {
        var messageTypes = new[] { typeof(IActorLogMessage).Assembly, typeof(ActorLogClient).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IActorLogMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .ToHashSet();
        Assert.True(messageTypes.Count >= 24, $"only {messageTypes.Count} message types found");
        var sampled = SerializerSamples.All.Values.Select(v => v.GetType()).ToHashSet();
        Assert.Empty(messageTypes.Except(sampled).Select(t => t.FullName));
        // ...and every one of them is registered (Manifest throws for an unregistered type).
        var serializer = Serializer;
        var manifests = SerializerSamples.All.Values.GroupBy(v => v.GetType()).Select(g => serializer.Manifest(g.First())).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
    }

    [Fact]
    public void Null_and_empty_byte_arrays_stay_apart()
    {
        var batch = new RecordBatch(0, 0, -1, -1, new[]
        {
            new Record(null, Array.Empty<byte>(), 5, Record.NoHeaders),
            new Record(Array.Empty<byte>(), null, 6, new[] { new RecordHeader("h", null), new RecordHeader("", Array.Empty<byte>()) }),
        });
        var back = (RecordBatch)RoundTrip(batch);
        Assert.Null(back.Records[0].Key);
        Assert.NotNull(back.Records[0].Value);
        Assert.Empty(back.Records[0].Value!);
        Assert.Empty(back.Records[0].Headers);
        Assert.NotNull(back.Records[1].Key);
        Assert.Null(back.Records[1].Value);
        Assert.Null(back.Records[1].Headers[0].Value);
        Assert.Equal("", back.Records[1].Headers[1].Key);
        Assert.NotNull(back.Records[1].Headers[1].Value);
    }

    [Fact]
    public void Cluster_metadata_keeps_every_topic_and_can_be_looked_up()
    {
        var metadata = (ClusterMetadata)SerializerSamples.All["ClusterMetadata"];
        var back = (ClusterMetadata)RoundTrip(metadata);
        Assert.Equal(12, back.Version);
        Assert.Equal(metadata.Topics.Keys, back.Topics.Keys);
        Assert.Equal(-1, back.Find(new TopicPartition("orders", 1))!.Leader);
        Assert.Equal(new[] { 2, 3, 1 }, back.Find(new TopicPartition("orders", 1))!.Replicas);
        Assert.True(back.Topics["audit.log_v2-x"].Config.UncleanLeaderElection);
        Assert.Equal(13, back.WithTopic(back.Topics["a"]).Version);
    }

    [Fact]
    public void Topic_configs_written_before_retention_read_as_keeping_everything()
    {
        // A topic in cluster metadata stored before retention: min ISR, max bytes, then the unclean flag as a bool (0 or 1).
        foreach (var (flag, unclean) in new[] { ("00", false), ("01", true) })
        {
            var old = new BinaryReader(new MemoryStream(Convert.FromHexString("02000000" + "00001000" + flag)));
            Assert.Equal(new TopicConfig(2, 1_048_576, unclean, -1, -1), old.ReadTopicConfig());
        }
        var config = new TopicConfig(2, 1_048_576, true, 3_600_000, 1L << 30);
        var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) w.WriteTopicConfig(config);
        Assert.Equal("02000000" + "00001000" + "03" + "80EE360000000000" + "0000004000000000", Convert.ToHexString(stream.ToArray()));
        stream.Position = 0;
        Assert.Equal(config, new BinaryReader(stream).ReadTopicConfig());
    }

    [Fact]
    public void Flatten_detects_differences_the_tests_rely_on()
    {
        var a = new Record(null, new byte[] { 1 }, 1, Record.NoHeaders);
        Assert.NotEqual(Structural.Flatten(a), Structural.Flatten(a with { Key = Array.Empty<byte>() }));
        Assert.NotEqual(Structural.Flatten(a), Structural.Flatten(a with { Value = new byte[] { 2 } }));
        Assert.NotEqual(Structural.Flatten(a), Structural.Flatten(a with { Headers = new[] { new RecordHeader("h", null) } }));
        Assert.NotEqual(Structural.Flatten(new LogTruncated(1, 2)), Structural.Flatten(new LogTruncated(2, 1)));
        Assert.NotEqual(Structural.Flatten(new ErrorInfo(ErrorCode.InvalidTopic, "x")), Structural.Flatten(null));
        Assert.Equal(Structural.Flatten(a), Structural.Flatten(a with { Value = new byte[] { 1 } }));
    }

    [Fact]
    public void Unknown_manifest_throws()
    {
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(new byte[12], "NOPE"));
        Assert.Contains("NOPE", e.Message);
    }

    [Fact]
    public void Unregistered_types_throw()
    {
        var serializer = Serializer;
        var notOurs = new ActorLog.Broker.ReplicaManagerProtocol.BrokerDown(2);
        Assert.Throws<SerializationException>(() => serializer.ToBinary(notOurs));
        Assert.Throws<SerializationException>(() => serializer.Manifest(notOurs));
        Assert.Throws<SerializationException>(() => serializer.ToBinary("a string"));
    }

    private static RecordBatch BatchOf(int records, int valueSize)
    {
        var value = new byte[valueSize];
        Random.Shared.NextBytes(value);
        return new RecordBatch(0, -1, 9, 0, Enumerable.Range(0, records)
            .Select(i => new Record(BitConverter.GetBytes((long)i), value, 1_732_500_000_000 + i, Record.NoHeaders)).ToArray());
    }

    [Fact]
    public void Record_batches_are_compact()
    {
        var bytes = Serializer.ToBinary(BatchOf(100, 100));
        Assert.True(bytes.Length / 100.0 < 150, $"{bytes.Length / 100.0} bytes per record");
        // Header 40 bytes (offset, epoch, producer id, sequence, count, append time, payload length); per record:
        // timestamp 8, key 4+8, value 4+100, header count 4.
        Assert.Equal(40 + 100 * 128, bytes.Length);
    }

    [Fact]
    public void Serializing_a_large_batch_allocates_little_more_than_its_bytes()
    {
        // 500 records of 100 bytes (~64 KB), a produce batch under load: every hop and journal write serializes one.
        var serializer = Serializer;
        var produce = new PartitionProtocol.Produce(new TopicPartition("t", 0), -1, 30_000, BatchOf(500, 100));
        var expected = serializer.ToBinary(produce);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var bytes = serializer.ToBinary(produce);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, bytes);
        Assert.True(allocated < bytes.Length * 1.1 + 1024, $"{allocated:N0} bytes allocated for a {bytes.Length:N0}-byte message");
    }

    [Fact]
    public void A_reused_buffer_never_leaks_an_earlier_message_into_a_later_one()
    {
        var serializer = Serializer;
        var small = new PartitionProtocol.Produce(new TopicPartition("t", 1), 1, 5_000, BatchOf(2, 10));
        var smallBytes = serializer.ToBinary(small);
        // Larger than a thread keeps between calls (2 MiB), then smaller again: each result is exactly its own message.
        foreach (var big in new[] { BatchOf(500, 100), BatchOf(6_000, 400) })
        {
            var bigBytes = serializer.ToBinary(big);
            Assert.Equal(Structural.Flatten(big), Structural.Flatten(serializer.FromBinary(bigBytes, "B2")));
            Assert.Equal(smallBytes, serializer.ToBinary(small));
        }
        Assert.Equal(Structural.Flatten(small), Structural.Flatten(serializer.FromBinary(smallBytes, "P")));
    }

    // The journal stores these bytes: the encodings of persisted types must never change.
    private const string GoldenRecordsHex =
        "0100000000000000" + "01000000" + "AA" + "FFFFFFFF" + "01000000" + "01000000" + "68" + "01000000" + "01";

    /// <summary>Manifest "B", written before batches carried their append time.</summary>
    private const string GoldenBatchWithoutAppendTimeHex =
        "0500000000000000" + "02000000" + "FFFFFFFFFFFFFFFF" + "FFFFFFFF" + "01000000" + "1F000000" + GoldenRecordsHex;

    /// <summary>Manifest "B2": the append time (Unix ms) follows the record count.</summary>
    private const string GoldenBatchHex =
        "0500000000000000" + "02000000" + "FFFFFFFFFFFFFFFF" + "FFFFFFFF" + "01000000" + "0807060504030201" + "1F000000" + GoldenRecordsHex;

    [Fact]
    public void Persisted_encodings_are_frozen()
    {
        var serializer = Serializer;
        var records = new[] { new Record(new byte[] { 0xAA }, null, 1, new[] { new RecordHeader("h", new byte[] { 1 }) }) };
        var batch = new RecordBatch(5, 2, -1, -1, records, appendTimeMs: 0x0102030405060708);
        Assert.Equal("B2", serializer.Manifest(batch));
        Assert.Equal(GoldenBatchHex, Convert.ToHexString(serializer.ToBinary(batch)));
        Assert.Equal(Structural.Flatten(batch), Structural.Flatten(serializer.FromBinary(Convert.FromHexString(GoldenBatchHex), "B2")));
        // Journals written before the append time still read: the same batch, its time unknown (0).
        Assert.Equal(Structural.Flatten(new RecordBatch(5, 2, -1, -1, records)),
            Structural.Flatten(serializer.FromBinary(Convert.FromHexString(GoldenBatchWithoutAppendTimeHex), "B")));

        var truncated = new LogTruncated(17, 4);
        Assert.Equal("T", serializer.Manifest(truncated));
        Assert.Equal("1100000000000000" + "04000000", Convert.ToHexString(serializer.ToBinary(truncated)));
        var started = new LogStartAdvanced(17);
        Assert.Equal("LS", serializer.Manifest(started));
        Assert.Equal("1100000000000000", Convert.ToHexString(serializer.ToBinary(started)));

        // Index snapshots: the log-end offset, the entry count, then per entry offset, count, epoch, size, event,
        // producer, sequence and (manifest "LI2") the append time.
        var entry = new BatchIndexEntry(5, 1, 2, 71, 9, -1, -1, 0x0102030405060708);
        var snapshot = new LogIndexSnapshot(6, new[] { entry });
        const string entryHex = "0500000000000000" + "01000000" + "02000000" + "47000000" + "0900000000000000" + "FFFFFFFFFFFFFFFF" + "FFFFFFFF";
        Assert.Equal("LI2", serializer.Manifest(snapshot));
        Assert.Equal("0600000000000000" + "01000000" + entryHex + "0807060504030201", Convert.ToHexString(serializer.ToBinary(snapshot)));
        var older = (LogIndexSnapshot)serializer.FromBinary(Convert.FromHexString("0600000000000000" + "01000000" + entryHex), "LI");
        Assert.Equal(new[] { entry with { AppendTimeMs = 0 } }, older.Entries);

        Assert.Equal("CM", serializer.Manifest(ClusterMetadata.Empty));
        // Version, topics, then the controller epoch and the known brokers (added later: older values end before them).
        var metadata = ClusterMetadata.Empty with { Version = 7, ControllerEpoch = 3 };
        Assert.Equal("0700000000000000" + "00000000" + "03000000" + "00000000", Convert.ToHexString(serializer.ToBinary(metadata)));
        var olderMetadata = (ClusterMetadata)serializer.FromBinary(Convert.FromHexString("0700000000000000" + "00000000"), "CM");
        Assert.Equal((7L, 0, 0), (olderMetadata.Version, olderMetadata.Topics.Count, olderMetadata.ControllerEpoch));
        Assert.Equal("BI", serializer.Manifest(new BrokerInfo(1, "h", 2, "Up")));
    }

    [Fact]
    public void Truncated_bytes_fail_instead_of_returning_garbage()
    {
        var bytes = Serializer.ToBinary(SerializerSamples.All["RecordBatch"]);
        Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(bytes[..^3], "B2"));
    }
}
