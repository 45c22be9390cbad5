using Akka.Configuration;
using Microsoft.Data.Sqlite;
using ActorLog.Hosting;
using ActorLog.Metadata;
using ActorLog.Metadata.Durable;
using Xunit;

namespace ActorLog.Tests.Unit;

public sealed class BrokerConfigTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnv = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("actorlog-config-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static Dictionary<string, string?> Env(params (string Key, string? Value)[] vars) => vars.ToDictionary(v => v.Key, v => v.Value);

    private static string Seeds(Config c) => string.Join(" ", c.GetStringList("akka.cluster.seed-nodes"));

    [Fact]
    public void Defaults_come_from_actorlog_conf()
    {
        var c = BrokerConfig.Build(new BrokerOptions(), NoEnv);
        Assert.Equal(1, c.GetInt("actorlog.broker-id"));
        Assert.Equal("127.0.0.1", c.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4051, c.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(new[] { "broker", "broker-id-1" }, c.GetStringList("akka.cluster.roles"));
        Assert.Equal("akka.tcp://actorlog@127.0.0.1:4051", Seeds(c)); // seeds itself
        Assert.Equal(Path.GetFullPath("./data/broker-1"), c.GetString("actorlog.data-dir"));
        Assert.Equal(1_048_576, c.GetInt("actorlog.log.max-message-bytes"));
        Assert.Equal("cluster", c.GetString("akka.actor.provider"));
    }

    [Fact]
    public void Flags_beat_environment_beats_config_file_beats_defaults()
    {
        var file = WriteFile("broker.conf", $$"""
            actorlog {
              broker-id = 7
              host = "10.0.0.7"
              port = 5007
              data-dir = "{{Path.Combine(_dir, "from-file").Replace("\\", "\\\\")}}"
              seeds = [ "10.0.0.7:5007" ]
            }
            """);
        var env = Env(("ACTORLOG_BROKER_ID", "8"), ("ACTORLOG_HOST", "10.0.0.8"), ("ACTORLOG_SEEDS", "10.0.0.8:5008"));
        var c = BrokerConfig.Build(new BrokerOptions { ConfigFile = file, BrokerId = 9 }, env);

        Assert.Equal(9, c.GetInt("actorlog.broker-id"));                                 // flag
        Assert.Contains("broker-id-9", c.GetStringList("akka.cluster.roles"));
        Assert.Equal("10.0.0.8", c.GetString("akka.remote.dot-netty.tcp.hostname"));     // environment
        Assert.Equal("akka.tcp://actorlog@10.0.0.8:5008", Seeds(c));                     // environment
        Assert.Equal(5007, c.GetInt("akka.remote.dot-netty.tcp.port"));                  // file
        Assert.Equal(Path.Combine(_dir, "from-file"), c.GetString("actorlog.data-dir")); // file
        Assert.Equal(1, c.GetInt("actorlog.topic-defaults.min-insync-replicas"));        // default
    }

    [Fact]
    public void Every_flag_beats_its_environment_variable()
    {
        var env = Env(("ACTORLOG_BROKER_ID", "8"), ("ACTORLOG_HOST", "env-host"), ("ACTORLOG_PORT", "6000"),
            ("ACTORLOG_DATA_DIR", Path.Combine(_dir, "env")), ("ACTORLOG_SEEDS", "env-host:6000"));
        var options = new BrokerOptions
        {
            BrokerId = 3, Host = "flag-host", Port = 6003, DataDir = Path.Combine(_dir, "flag"), Seeds = new[] { "s1:7001", "s2:7002" },
        };
        var c = BrokerConfig.Build(options, env);
        Assert.Equal(3, c.GetInt("actorlog.broker-id"));
        Assert.Equal("flag-host", c.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(6003, c.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(Path.Combine(_dir, "flag"), c.GetString("actorlog.data-dir"));
        Assert.Equal("akka.tcp://actorlog@s1:7001 akka.tcp://actorlog@s2:7002", Seeds(c));

        var fromEnv = BrokerConfig.Build(new BrokerOptions(), env);
        Assert.Equal(8, fromEnv.GetInt("actorlog.broker-id"));
        Assert.Equal("env-host", fromEnv.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(6000, fromEnv.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(Path.Combine(_dir, "env"), fromEnv.GetString("actorlog.data-dir"));
        Assert.Equal("akka.tcp://actorlog@env-host:6000", Seeds(fromEnv));
    }

    [Fact]
    public void Empty_environment_values_are_ignored()
    {
        var c = BrokerConfig.Build(new BrokerOptions(), Env(("ACTORLOG_BROKER_ID", ""), ("ACTORLOG_HOST", null)));
        Assert.Equal(1, c.GetInt("actorlog.broker-id"));
        Assert.Equal("127.0.0.1", c.GetString("akka.remote.dot-netty.tcp.hostname"));
    }

    [Fact]
    public void Environment_seeds_are_split_on_commas_and_trimmed()
    {
        var c = BrokerConfig.Build(new BrokerOptions(), Env(("ACTORLOG_SEEDS", " a:1 , b:2 ,,")));
        Assert.Equal("akka.tcp://actorlog@a:1 akka.tcp://actorlog@b:2", Seeds(c));
    }

    [Fact]
    public void ACTORLOG_CONFIG_names_the_file_unless_the_flag_does()
    {
        var envFile = WriteFile("env.conf", "actorlog.broker-id = 21");
        var flagFile = WriteFile("flag.conf", "actorlog.broker-id = 22");
        Assert.Equal(21, BrokerConfig.Build(new BrokerOptions(), Env(("ACTORLOG_CONFIG", envFile))).GetInt("actorlog.broker-id"));
        Assert.Equal(22, BrokerConfig.Build(new BrokerOptions { ConfigFile = flagFile }, Env(("ACTORLOG_CONFIG", envFile)))
            .GetInt("actorlog.broker-id"));
    }

    [Fact]
    public void Extra_hocon_has_the_highest_precedence()
    {
        var c = BrokerConfig.Build(new BrokerOptions { Port = 5000, ExtraHocon = "akka.remote.dot-netty.tcp.port = 5999\nakka.loglevel = DEBUG" }, NoEnv);
        Assert.Equal(5999, c.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("DEBUG", c.GetString("akka.loglevel"));
    }

    [Fact]
    public void Sqlite_journal_lives_in_the_data_dir()
    {
        var dataDir = Path.Combine(_dir, "my \"odd\" dir");
        var c = BrokerConfig.Build(new BrokerOptions { DataDir = dataDir }, NoEnv);
        var log = $"Data Source={Path.Combine(dataDir, "actorlog.db")}";
        var snapshots = $"Data Source={Path.Combine(dataDir, "snapshots.db")}";
        foreach (var (section, expected) in new[] { ("akka.persistence.journal.sql", log), ("akka.persistence.query.journal.sql", log),
                     ("akka.persistence.snapshot-store.sql", snapshots) })
        {
            Assert.Equal(expected, c.GetString($"{section}.connection-string"));
            Assert.Equal("SQLite.MS", c.GetString($"{section}.provider-name"));
        }
    }

    [Fact]
    public void Durable_metadata_lives_in_the_data_dir_whatever_the_log_store()
    {
        var dataDir = Path.Combine(_dir, "my \"odd\" dir");
        var sqlite = BrokerConfig.Build(new BrokerOptions { DataDir = dataDir }, NoEnv);
        var pg = WriteFile("pg.conf", "actorlog.storage { provider = postgresql, postgresql-connection-string = \"Host=x\" }");
        var postgresql = BrokerConfig.Build(new BrokerOptions { DataDir = dataDir, ConfigFile = pg }, NoEnv);
        foreach (var c in new[] { sqlite, postgresql })
            Assert.Equal(Path.Combine(dataDir, "metadata.db"), c.GetString("akka.cluster.distributed-data.durable.sqlite.path"));
    }

    [Fact]
    public void An_explicit_durable_metadata_path_is_kept()
    {
        var file = WriteFile("path.conf", $"akka.cluster.distributed-data.durable.sqlite.path = \"{Path.Combine(_dir, "elsewhere", "meta.db")}\"");
        var c = BrokerConfig.Build(new BrokerOptions { DataDir = Path.Combine(_dir, "data"), ConfigFile = file }, NoEnv);
        Assert.Equal(Path.Combine(_dir, "elsewhere", "meta.db"), c.GetString("akka.cluster.distributed-data.durable.sqlite.path"));
    }

    [Fact]
    public void Only_the_metadata_key_is_durable_and_only_in_the_main_replicator()
    {
        var c = BrokerConfig.Build(new BrokerOptions(), NoEnv);
        Assert.Equal([MetadataKey.Key.Id], c.GetStringList("akka.cluster.distributed-data.durable.keys"));
        Assert.Equal(typeof(SqliteDurableStore), Type.GetType(c.GetString("akka.cluster.distributed-data.durable.store-actor-class")));
        Assert.Equal("off", c.GetString("akka.cluster.distributed-data.durable.sqlite.write-behind-interval"));
        // Sharding's replicator falls back to the main section: it must not open a second store on the same file.
        Assert.Empty(c.GetStringList("akka.cluster.sharding.distributed-data.durable.keys"));
    }

    [Fact]
    public void Postgresql_storage_needs_a_connection_string()
    {
        var ok = WriteFile("pg.conf", """actorlog.storage { provider = postgresql, postgresql-connection-string = "Host=db;Database=log", postgresql-schema = "b7" }""");
        var c = BrokerConfig.Build(new BrokerOptions { ConfigFile = ok }, NoEnv);
        Assert.Equal("PostgreSQL.15", c.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("Host=db;Database=log", c.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("b7", c.GetString("akka.persistence.journal.sql.default.schema-name"));

        var missing = WriteFile("pg-missing.conf", "actorlog.storage.provider = postgresql");
        Assert.Contains("postgresql-connection-string",
            Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = missing }, NoEnv)).Message);
        var unknown = WriteFile("unknown.conf", "actorlog.storage.provider = mongo");
        Assert.Contains("mongo", Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = unknown }, NoEnv)).Message);
    }

    [Fact]
    public void Each_broker_gets_its_own_postgresql_schema_unless_one_is_configured()
    {
        var pg = WriteFile("pg.conf", """actorlog.storage { provider = postgresql, postgresql-connection-string = "Host=db;Database=log" }""");
        var c = BrokerConfig.Build(new BrokerOptions { ConfigFile = pg, BrokerId = 7 }, NoEnv);
        foreach (var section in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql", "akka.persistence.query.journal.sql" })
        {
            Assert.Equal("broker_7", c.GetString($"{section}.default.schema-name"));
            Assert.Equal("PostgreSQL.15", c.GetString($"{section}.provider-name"));
            Assert.Equal("default", c.GetString($"{section}.table-mapping"));
        }
        // The effective schema is where PrepareStorage creates and claims it.
        Assert.Equal("broker_7", c.GetString("actorlog.storage.postgresql-schema"));
    }

    [Theory]
    [InlineData("Broker_1")]
    [InlineData("broker-1")]
    [InlineData("1broker")]
    [InlineData("pg_broker")]
    [InlineData("a\"; DROP SCHEMA public; --")]
    public void A_postgresql_schema_that_would_need_quoting_is_refused(string schema)
    {
        var pg = WriteFile("pg.conf", $$"""actorlog.storage { provider = postgresql, postgresql-connection-string = "Host=db", postgresql-schema = "{{schema.Replace("\"", "\\\"")}}" }""");
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = pg }, NoEnv));
        Assert.Contains("postgresql-schema", e.Message);
    }

    [Fact]
    public void A_malformed_postgresql_connection_string_is_refused_before_connecting()
    {
        var pg = WriteFile("pg.conf", """actorlog.storage { provider = postgresql, postgresql-connection-string = "Hots=db;Port=5432" }""");
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = pg }, NoEnv));
        Assert.Contains("not a valid Npgsql connection string", e.Message);
    }

    [Theory]
    [InlineData("actorlog { broker-id = 3")]
    [InlineData("actorlog.seeds = [ \"a:1\"")]
    [InlineData("actorlog.host = \"unterminated")]
    [InlineData("actorlog { port = 1 } }")]
    public void A_malformed_config_file_is_reported_with_its_name(string text)
    {
        var file = WriteFile("bad-broker.conf", text);
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void A_missing_config_file_is_reported_with_its_name()
    {
        var file = Path.Combine(_dir, "nope.conf");
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv));
        Assert.Contains(file, e.Message);
        Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions(), Env(("ACTORLOG_CONFIG", file))));
    }

    [Theory]
    [InlineData("ACTORLOG_BROKER_ID", "-1")]
    [InlineData("ACTORLOG_BROKER_ID", "abc")]
    [InlineData("ACTORLOG_PORT", "70000")]
    [InlineData("ACTORLOG_PORT", "-2")]
    [InlineData("ACTORLOG_SEEDS", "no-port")]
    public void Bad_values_are_broker_config_errors(string variable, string value)
    {
        Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions(), Env((variable, value))));
    }

    // BrokerConfig.Build validates only the keys ActorLogSettings.Create reads; port, host, seeds and storage are read
    // afterwards unguarded, so NodeCommand's BrokerConfigException handler never sees these mistakes.
    [Theory]
    [InlineData("actorlog.port = x")]
    [InlineData("actorlog.host = [1]")]
    public void Mistyped_values_in_the_config_file_are_broker_config_errors(string text)
    {
        var file = WriteFile("typo.conf", text);
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv));
        Assert.Contains(file, e.Message);
    }

    [Theory]
    [InlineData("actorlog.groups.offsets-topic-partitions = 0", "offsets-topic-partitions")]
    [InlineData("actorlog.groups { min-session-timeout = 2m, max-session-timeout = 1m }", "min-session-timeout")]
    [InlineData("actorlog.log.snapshot-after-bytes = 0", "snapshot-after-bytes")]
    [InlineData("actorlog.log.snapshot-after-bytes = often", "snapshot-after-bytes")]
    [InlineData("actorlog.log.snapshot-after-bytes = \"\"", "snapshot-after-bytes")]
    [InlineData("actorlog.log.snapshot-after-batches = 0", "snapshot-after-batches")]
    [InlineData("actorlog.log.snapshot-after-batches = 1.5", "snapshot-after-batches")]
    [InlineData("actorlog.log.snapshot-after-batches = \"\"", "snapshot-after-batches")]
    [InlineData("actorlog.topic-defaults.retention = 0s", "topic-defaults.retention")]
    [InlineData("actorlog.topic-defaults.retention-bytes = lots", "retention-bytes")]
    [InlineData("actorlog.log.retention-check-interval = 0s", "retention-check-interval")]
    [InlineData("actorlog.groups.offsets-cleaning-min-bytes = sometimes", "offsets-cleaning-min-bytes")]
    [InlineData("actorlog.storage.sqlite-checkpoint-interval = 0s", "sqlite-checkpoint-interval")]
    [InlineData("actorlog.storage.sqlite-checkpoint-interval = often", "sqlite-checkpoint-interval")]
    public void Bad_settings_are_broker_config_errors_naming_the_setting(string text, string named)
    {
        var file = WriteFile("settings.conf", text);
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv));
        Assert.Contains(named, e.Message);
    }

    [Theory]
    [InlineData("", 64L * 1024 * 1024, 10_000L)]
    [InlineData("actorlog.log.snapshot-after-bytes = 8KiB", 8192L, 10_000L)]
    [InlineData("actorlog.log { snapshot-after-bytes = off, snapshot-after-batches = 500 }", 0L, 500L)]
    [InlineData("actorlog.log.snapshot-after-batches = off", 64L * 1024 * 1024, 0L)]
    public void Index_snapshots_default_to_every_64_MiB_or_10000_batches_and_each_trigger_can_be_turned_off(string text, long bytes, long batches)
    {
        var file = WriteFile("snapshots.conf", text);
        var c = BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv);
        var settings = ActorLog.Configuration.ActorLogSettings.Create(c.GetConfig("actorlog"));
        Assert.Equal((bytes, batches), (settings.SnapshotAfterBytes, settings.SnapshotAfterBatches));
    }

    [Theory]
    [InlineData("", 7L * 24 * 3600 * 1000, -1L, 300_000L)]   // Kafka's defaults: 7 days, no size limit, checked every 5 minutes
    [InlineData("actorlog.topic-defaults { retention = off, retention-bytes = 1GiB }", -1L, 1L << 30, 300_000L)]
    [InlineData("actorlog.topic-defaults.retention = 1h\nactorlog.log.retention-check-interval = 30s", 3_600_000L, -1L, 30_000L)]
    public void Retention_defaults_are_kafkas_and_can_be_changed(string text, long retentionMs, long retentionBytes, long checkMs)
    {
        var file = WriteFile("retention.conf", text);
        var settings = ActorLog.Configuration.ActorLogSettings.Create(BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv).GetConfig("actorlog"));
        Assert.Equal((retentionMs, retentionBytes, TimeSpan.FromMilliseconds(checkMs)),
            (settings.DefaultRetentionMs, settings.DefaultRetentionBytes, settings.RetentionCheckInterval));
    }

    [Theory]
    [InlineData("", 4L * 1024 * 1024)]
    [InlineData("actorlog.groups.offsets-cleaning-min-bytes = 64KiB", 65_536L)]
    [InlineData("actorlog.groups.offsets-cleaning-min-bytes = off", -1L)]
    public void The_offsets_topic_is_cleaned_after_4_MiB_of_growth_unless_turned_off(string text, long expected)
    {
        var file = WriteFile("cleaning.conf", text);
        var settings = ActorLog.Configuration.ActorLogSettings.Create(BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv).GetConfig("actorlog"));
        Assert.Equal(expected, settings.OffsetsCleaningMinBytes);
    }

    [Theory]
    [InlineData("stuck-join-timeout", null, 15_000L)]
    [InlineData("stuck-join-timeout", "1m", 60_000L)]
    [InlineData("stuck-join-timeout", "off", -1L)]
    [InlineData("unseen-gossip-timeout", null, 5_000L)]
    [InlineData("unseen-gossip-timeout", "8s", 8_000L)]
    [InlineData("unseen-gossip-timeout", "off", -1L)]
    public void The_join_watchdog_waits_15_s_for_a_stuck_join_and_5_s_for_unseen_gossip_unless_told_otherwise(string key, string? value, long expectedMs)
    {
        var file = WriteFile("membership.conf", value is null ? "" : $"actorlog.membership.{key} = {value}");
        var settings = ActorLog.Configuration.ActorLogSettings.Create(BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv).GetConfig("actorlog"));
        var timeout = key == "stuck-join-timeout" ? settings.StuckJoinTimeout : settings.UnseenGossipTimeout;
        Assert.Equal(expectedMs, timeout is { } t ? (long)t.TotalMilliseconds : -1L);
    }

    [Theory]
    [InlineData("stuck-join-timeout")]
    [InlineData("unseen-gossip-timeout")]
    public void A_zero_membership_timeout_is_a_broker_config_error(string key)
    {
        var file = WriteFile("membership.conf", $"actorlog.membership.{key} = 0s");
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { ConfigFile = file }, NoEnv));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void A_non_numeric_port_in_the_environment_is_a_broker_config_error()
    {
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions(), Env(("ACTORLOG_PORT", "abc"))));
        Assert.Contains("port", e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:4051", "akka.tcp://actorlog@127.0.0.1:4051")]
    [InlineData("broker-2.internal:1", "akka.tcp://actorlog@broker-2.internal:1")]
    [InlineData("localhost:65535", "akka.tcp://actorlog@localhost:65535")]
    [InlineData("akka.tcp://actorlog@10.0.0.1:4051", "akka.tcp://actorlog@10.0.0.1:4051")]
    public void SeedAddress_turns_host_port_into_an_akka_address(string seed, string expected) =>
        Assert.Equal(expected, BrokerConfig.SeedAddress(seed));

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1")]
    [InlineData(":4051")]
    [InlineData("host:")]
    [InlineData("host:port")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:4051x")]
    public void SeedAddress_rejects_anything_but_host_port(string seed)
    {
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.SeedAddress(seed));
        Assert.Contains($"'{seed}'", e.Message);
    }

    [Fact]
    public void PrepareStorage_creates_the_data_dir_and_a_sqlite_file_in_wal_mode()
    {
        var dataDir = Path.Combine(_dir, "nested", "broker-5");
        BrokerConfig.PrepareStorage(BrokerConfig.Build(new BrokerOptions { DataDir = dataDir }, NoEnv));
        Assert.Empty(Directory.GetFiles(dataDir, ".write-test-*"));
        foreach (var file in new[] { "actorlog.db", "snapshots.db" })
        {
            var db = Path.Combine(dataDir, file);
            Assert.True(File.Exists(db), file);
            Assert.Equal("wal", Sql($"Data Source={db}", "PRAGMA journal_mode;"));
        }
    }

    [Fact]
    public void PrepareStorage_moves_snapshots_an_older_broker_kept_in_the_journal_file_to_the_snapshot_file()
    {
        var dataDir = Path.Combine(_dir, "upgraded");
        Directory.CreateDirectory(dataDir);
        var log = $"Data Source={Path.Combine(dataDir, "actorlog.db")}";
        // The layout Akka.Persistence.Sql's auto-initialize made when snapshots shared the journal's file.
        Sql(log, """
            CREATE TABLE [snapshot] ([persistence_id] NVarChar(255) NOT NULL, [sequence_number] INTEGER NOT NULL,
                [created] INTEGER NOT NULL, [snapshot] VarBinary NULL, [manifest] NVarChar(500) NULL, [serializer_id] INTEGER NULL,
                CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number]));
            CREATE INDEX snapshot_sequence_number_idx ON snapshot (sequence_number);
            INSERT INTO snapshot VALUES ('partition-t-0', 40, 1, x'0102', 'LI2', 9100), ('partition-t-1', 7, 2, x'03', 'LI2', 9100);
            """);
        var config = BrokerConfig.Build(new BrokerOptions { DataDir = dataDir }, NoEnv);
        BrokerConfig.PrepareStorage(config);
        BrokerConfig.PrepareStorage(config); // a second start copies nothing twice

        var snapshots = $"Data Source={Path.Combine(dataDir, "snapshots.db")}";
        Assert.Equal("partition-t-0 40 0102 LI2 9100; partition-t-1 7 03 LI2 9100", Sql(snapshots,
            "SELECT group_concat(persistence_id || ' ' || sequence_number || ' ' || hex(snapshot) || ' ' || manifest || ' ' || serializer_id, '; ') FROM (SELECT * FROM snapshot ORDER BY persistence_id)"));
        Assert.Equal("1", Sql(snapshots, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'snapshot_sequence_number_idx'"));
        Assert.Equal("0", Sql(log, "SELECT count(*) FROM snapshot"));
    }

    private static string Sql(string connectionString, string sql)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var result = Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        SqliteConnection.ClearPool(connection);
        return result;
    }

    [Fact]
    public void PrepareStorage_twice_is_harmless()
    {
        var config = BrokerConfig.Build(new BrokerOptions { DataDir = Path.Combine(_dir, "again") }, NoEnv);
        BrokerConfig.PrepareStorage(config);
        BrokerConfig.PrepareStorage(config);
        Assert.True(File.Exists(Path.Combine(_dir, "again", "actorlog.db")));
    }

    [Fact]
    public void PrepareStorage_reports_a_data_dir_that_cannot_be_written()
    {
        var file = WriteFile("a-regular-file", "x");
        var dataDir = Path.Combine(file, "data");
        var e = Assert.Throws<BrokerConfigException>(() =>
            BrokerConfig.PrepareStorage(BrokerConfig.Build(new BrokerOptions { DataDir = dataDir }, NoEnv)));
        Assert.Contains("not writable", e.Message);
        Assert.Contains(dataDir, e.Message);
    }
}
