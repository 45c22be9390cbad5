using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.DistributedData.Durable;
using Microsoft.Data.Sqlite;
using ActorLog.Metadata;
using ActorLog.Metadata.Durable;
using ActorLog.Tests.Unit;
using Xunit;

namespace ActorLog.Tests.Durable;

/// <summary>
/// The durable store alone, spoken to as the replicator speaks to it (Akka.DistributedData.Durable), on a
/// broker-like actor system (hocon/actorlog.conf serializers plus Distributed Data's).
/// </summary>
public sealed class SqliteDurableStoreSpec : Akka.TestKit.Xunit2.TestKit
{
    // The test event listener replaces the broker's logger, so EventFilter sees the store's errors.
    private static readonly Config BrokerLikeConfig = ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loggers = ["Akka.TestKit.TestEventListener, Akka.TestKit"]
            """)
        .WithFallback(ActorLog.Configuration.DefaultConfig.Load())
        .WithFallback(DistributedData.DefaultConfig());

    private readonly string _dir = Directory.CreateTempSubdirectory("actorlog-ddata-").FullName;

    private string DbPath => Path.Combine(_dir, "metadata.db");

    private readonly UniqueAddress _node;
    private readonly UniqueAddress _otherNode;
    // Built once: an LWWRegister carries the time it was made and an ORSet its dots, so two builds differ.
    private readonly DurableDataEnvelope _metadata1, _metadata2, _counter1, _counter5, _setAB, _setX;

    public SqliteDurableStoreSpec() : base(BrokerLikeConfig)
    {
        // Replicated data serializes a node's host, port and uid; it reads them back under this system's
        // protocol and name (on a broker: akka.tcp://actorlog), so the samples use them too.
        Address NodeAddress(int port) => new(((ExtendedActorSystem)Sys).Provider.DefaultAddress.Protocol, Sys.Name, "127.0.0.1", port);
        _node = new UniqueAddress(NodeAddress(4051), 17);
        _otherNode = new UniqueAddress(NodeAddress(4052), 23);
        _metadata1 = Metadata(1);
        _metadata2 = Metadata(2);
        _counter1 = new(GCounter.Empty.Increment(_node, 1));
        _counter5 = new(GCounter.Empty.Increment(_node, 5).Increment(_otherNode, 2));
        _setAB = new(ORSet<string>.Empty.Add(_node, "a").Add(_otherNode, "b"));
        _setX = new(ORSet<string>.Empty.Add(_node, "x"));
    }

    private DurableDataEnvelope Metadata(long version) => new(new LWWRegister<ClusterMetadata>(_node,
        (ClusterMetadata)SerializerSamples.All["ClusterMetadata"] with { Version = version }));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static Config Durable(string path, string writeBehind = "off") => ConfigurationFactory.ParseString(
        $"sqlite {{ path = \"{path.Replace("\\", "\\\\")}\", write-behind-interval = {writeBehind} }}");

    private IActorRef StartStore(string writeBehind = "off") => Watch(Sys.ActorOf(SqliteDurableStore.Props(Durable(DbPath, writeBehind))));

    private void StopStore(IActorRef store)
    {
        Sys.Stop(store);
        ExpectTerminated(store);
    }

    private StoreReply ReplyTo(string name) => new($"{name}-stored", $"{name}-failed", TestActor);

    /// <summary>Sends LoadAll as the replicator does and collects the entries until LoadAllCompleted.</summary>
    private IReadOnlyDictionary<string, DurableDataEnvelope> LoadAllFrom(IActorRef store)
    {
        store.Tell(Akka.DistributedData.Durable.LoadAll.Instance);
        var loaded = new Dictionary<string, DurableDataEnvelope>();
        while (true)
        {
            var message = ExpectMsg<object>(TimeSpan.FromSeconds(10));
            if (message is LoadAllCompleted) return loaded;
            var data = Assert.IsType<LoadData>(message);
            Assert.NotEmpty(data.Data); // an empty store sends no LoadData at all
            foreach (var (key, envelope) in data.Data) loaded.Add(key, envelope);
        }
    }

    /// <summary>Same entries, compared through their serialized form (LWWRegister's value holds collections).</summary>
    private void AssertSameEntries(IReadOnlyDictionary<string, DurableDataEnvelope> expected, IReadOnlyDictionary<string, DurableDataEnvelope> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, envelope) in expected)
        {
            Assert.Equal(envelope.Data.GetType(), actual[key].Data.GetType());
            Assert.Equal(Sys.Serialization.Serialize(envelope), Sys.Serialization.Serialize(actual[key]));
        }
    }

    [Fact]
    public void Stored_envelopes_are_loaded_by_a_new_store_on_the_same_file()
    {
        var store = StartStore();
        Assert.Empty(LoadAllFrom(store));

        store.Tell(new Store("actorlog-metadata", _metadata1, ReplyTo("metadata-1")));
        ExpectMsg("metadata-1-stored");
        store.Tell(new Store("counter", _counter5, null));
        store.Tell(new Store("set", _setAB, ReplyTo("set")));
        ExpectMsg("set-stored");
        // A later Store of a key replaces its envelope.
        store.Tell(new Store("actorlog-metadata", _metadata2, ReplyTo("metadata-2")));
        ExpectMsg("metadata-2-stored");
        StopStore(store);

        var restarted = StartStore();
        var loaded = LoadAllFrom(restarted);
        AssertSameEntries(new Dictionary<string, DurableDataEnvelope>
        {
            ["actorlog-metadata"] = _metadata2,
            ["counter"] = _counter5,
            ["set"] = _setAB,
        }, loaded);
        Assert.Equal(_counter5, loaded["counter"]);
        Assert.Equal(7UL, Assert.IsType<GCounter>(loaded["counter"].Data).Value);
        Assert.Equal(_setAB, loaded["set"]);
        var metadata = Assert.IsType<LWWRegister<ClusterMetadata>>(loaded["actorlog-metadata"].Data);
        Assert.Equal(2, metadata.Value.Version);
        Assert.Equal(_node, metadata.UpdatedBy);
        Assert.Equal(Structural.Flatten(((LWWRegister<ClusterMetadata>)_metadata2.Data).Value), Structural.Flatten(metadata.Value));
    }

    [Fact]
    public void A_new_file_loads_nothing_and_is_created_in_wal_mode()
    {
        var store = StartStore();
        Assert.Empty(LoadAllFrom(store));
        Assert.True(File.Exists(DbPath));
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)command.ExecuteScalar());
    }

    [Fact]
    public void Stores_sent_before_LoadAll_wait_for_the_load()
    {
        var store = StartStore();
        store.Tell(new Store("counter", _counter1, ReplyTo("counter")));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // Loaded first (nothing yet), then the waiting write.
        Assert.Empty(LoadAllFrom(store));
        ExpectMsg("counter-stored");
    }

    [Fact]
    public void Every_synchronous_store_is_on_disk_before_its_reply()
    {
        var store = StartStore();
        LoadAllFrom(store);
        for (var i = 1; i <= 5; i++)
        {
            store.Tell(new Store($"key-{i}", _counter5, ReplyTo($"key-{i}")));
            ExpectMsg($"key-{i}-stored");
            // Read by another connection at the moment of the reply: committed, not pending.
            using var file = DurableEntryFile.Open(DbPath);
            Assert.Equal(i, file.ReadAll().Count);
        }
    }

    [Fact]
    public void A_file_that_is_not_sqlite_fails_the_load_naming_the_file()
    {
        File.WriteAllText(DbPath, "this is not a SQLite database, it only has its name; " + new string('x', 4096));
        var failure = LoadFailure();
        Assert.Contains(DbPath, failure.Message);
    }

    [Fact]
    public void An_entry_that_cannot_be_deserialized_fails_the_load_naming_the_file_and_the_key()
    {
        using (var file = DurableEntryFile.Open(DbPath))
            file.Upsert([new StoredEntry("actorlog-metadata", 12, "unknown-manifest", [1, 2, 3])]);
        var failure = LoadFailure();
        Assert.Contains(DbPath, failure.Message);
        Assert.Contains("actorlog-metadata", failure.ToString());
    }

    /// <summary>Loads under a parent that supervises like the replicator: it stops the store on a load failure.</summary>
    private LoadFailedException LoadFailure()
    {
        var parent = Sys.ActorOf(Props.Create(() => new ReplicatorLikeParent(SqliteDurableStore.Props(Durable(DbPath, "off")), TestActor)));
        parent.Tell(Akka.DistributedData.Durable.LoadAll.Instance);
        var failure = ExpectMsg<LoadFailedException>(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // neither LoadData nor LoadAllCompleted
        return failure;
    }

    [Fact]
    public void A_failed_write_is_answered_with_the_failure_message_and_the_next_write_reopens_the_file()
    {
        var store = StartStore();
        LoadAllFrom(store);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE durable_data;";
            drop.ExecuteNonQuery();
        }
        EventFilter.Error(contains: DbPath).ExpectOne(() =>
        {
            store.Tell(new Store("counter", _counter1, ReplyTo("first")));
            ExpectMsg("first-failed");
        });
        store.Tell(new Store("counter", _counter5, ReplyTo("second")));
        ExpectMsg("second-stored");
        StopStore(store);
        AssertSameEntries(new Dictionary<string, DurableDataEnvelope> { ["counter"] = _counter5 }, LoadAllFrom(StartStore()));
    }

    [Fact]
    public void Write_behind_acknowledges_at_once_and_writes_within_the_interval_and_on_stop()
    {
        var store = StartStore(writeBehind: "300ms");
        LoadAllFrom(store);
        store.Tell(new Store("counter", _counter1, ReplyTo("counter")));
        ExpectMsg("counter-stored");
        AwaitAssert(() =>
        {
            using var file = DurableEntryFile.Open(DbPath);
            Assert.Single(file.ReadAll());
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));

        store.Tell(new Store("set", _setX, ReplyTo("set")));
        ExpectMsg("set-stored");
        StopStore(store); // before the interval: written by PostStop
        AssertSameEntries(new Dictionary<string, DurableDataEnvelope> { ["counter"] = _counter1, ["set"] = _setX }, LoadAllFrom(StartStore()));
    }

    [Theory]
    [InlineData("sqlite { write-behind-interval = off }")]
    [InlineData("sqlite { path = \"\" }")]
    [InlineData("lmdb { dir = ddata }")]
    public void Settings_without_a_path_are_refused_with_the_key_to_set(string hocon)
    {
        var e = Assert.Throws<ConfigurationException>(() => SqliteDurableStoreSettings.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains("akka.cluster.distributed-data.durable.sqlite", e.Message);
    }

    [Theory]
    [InlineData("off", null)]
    [InlineData("no", null)]
    [InlineData("250ms", 250)]
    [InlineData("2s", 2000)]
    public void Write_behind_is_off_or_an_interval(string value, int? milliseconds)
    {
        var settings = SqliteDurableStoreSettings.Create(Durable(DbPath, value));
        Assert.Equal(milliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null, settings.WriteBehindInterval);
        Assert.Equal(DbPath, settings.Path);
    }

    /// <summary>Creates the store as the replicator does and, like it, stops it on a load failure, reporting the failure.</summary>
    private sealed class ReplicatorLikeParent : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ReplicatorLikeParent(Props store, IActorRef probe)
        {
            _probe = probe;
            var child = Context.ActorOf(store, "durableStore");
            ReceiveAny(m => child.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
        {
            _probe.Tell(e);
            return Directive.Stop;
        });
    }
}
