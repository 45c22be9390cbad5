using Akka.Configuration;
using ActorLog.Broker;
using ActorLog.Configuration;

namespace ActorLog.Hosting;

/// <summary>
/// Composes a broker's configuration: flags > ACTORLOG_* environment > --config file > hocon/actorlog.conf
/// > Akka.Persistence.Sql defaults; then derives the Akka settings (remote address, roles, seeds, journal,
/// durable metadata file) from the effective <c>actorlog</c> section so each is set in one place.
/// </summary>
public static class BrokerConfig
{
    public const string SystemName = "actorlog";

    /// <summary>The cluster metadata's durable copy in each broker's data dir (see hocon/actorlog.conf).</summary>
    public const string MetadataFileName = "metadata.db";

    public static Config Build(BrokerOptions options, IReadOnlyDictionary<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);

        var configFile = options.ConfigFile ?? Env(environment, "ACTORLOG_CONFIG");
        var fileConfig = Config.Empty;
        if (!string.IsNullOrEmpty(configFile))
        {
            if (!File.Exists(configFile)) throw new BrokerConfigException($"Config file '{configFile}' does not exist");
            var text = File.ReadAllText(configFile);
            if (HoconSyntax.Check(text) is { } syntaxError)
                throw new BrokerConfigException($"Config file '{configFile}' is not valid HOCON: {syntaxError}");
            try { fileConfig = ConfigurationFactory.ParseString(text); }
            catch (Exception e) { throw new BrokerConfigException($"Config file '{configFile}' is not valid HOCON: {e.Message}"); }
        }

        var layered = Overrides(options, environment)
            .WithFallback(fileConfig)
            .WithFallback(DefaultConfig.Load());
        var actorlog = layered.GetConfig("actorlog");
        try
        {
            _ = ActorLogSettings.Create(actorlog);
            _ = Groups.GroupSettings.Create(actorlog.GetConfig("groups"));
        }
        catch (Exception e) when (e is not BrokerConfigException)
        {
            throw new BrokerConfigException($"Invalid actorlog setting{(configFile is null ? "" : $" (config file '{configFile}')")}: {e.Message}");
        }

        string derived;
        try
        {
            var brokerId = Read(actorlog, "broker-id", c => c.GetInt("broker-id"));
            if (brokerId < 0) throw new BrokerConfigException($"broker-id must be 0 or more, got {brokerId}");
            var host = Read(actorlog, "host", c => c.GetString("host"));
            var port = Read(actorlog, "port", c => c.GetInt("port"));
            if (port is < 0 or > 65535) throw new BrokerConfigException($"port must be 0..65535, got {port}");
            var dataDir = Path.GetFullPath(actorlog.GetString("data-dir"));
            var seeds = Read(actorlog, "seeds", c => c.GetStringList("seeds")).Select(s => SeedAddress(s)).ToList();
            if (seeds.Count == 0) seeds.Add($"akka.tcp://{SystemName}@{host}:{port}");

            derived = $$"""
                actorlog.data-dir = {{Quote(dataDir)}}
                akka.remote.dot-netty.tcp { hostname = {{Quote(host)}}, port = {{port}} }
                akka.cluster.roles = [ "{{BrokerDirectory.BrokerRole}}", "{{BrokerDirectory.IdRole(brokerId)}}" ]
                akka.cluster.seed-nodes = [ {{string.Join(", ", seeds.Select(Quote))}} ]
                {{Storage(actorlog, dataDir, brokerId)}}
                akka.cluster.distributed-data.durable.sqlite.path = {{Quote(MetadataFile(layered, dataDir))}}
                """;
        }
        catch (Exception e) when (configFile is not null && !e.Message.Contains(configFile))
        {
            throw new BrokerConfigException($"{e.Message} (config file '{configFile}')");
        }
        catch (Exception e) when (e is not BrokerConfigException)
        {
            throw new BrokerConfigException($"Invalid actorlog setting: {e.Message}");
        }
        var extra = string.IsNullOrWhiteSpace(options.ExtraHocon) ? Config.Empty : ConfigurationFactory.ParseString(options.ExtraHocon);
        return extra
            .WithFallback(ConfigurationFactory.ParseString(derived))
            .WithFallback(layered)
            .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }

    private static T Read<T>(Config actorlog, string key, Func<Config, T> read)
    {
        try { return read(actorlog); }
        catch (Exception e) when (e is not BrokerConfigException) { throw new BrokerConfigException($"Invalid setting actorlog.{key}: {e.Message}"); }
    }

    /// <summary>
    /// The durable Distributed Data file (cluster metadata): an explicit
    /// <c>akka.cluster.distributed-data.durable.sqlite.path</c>, else metadata.db in the data dir. It is SQLite
    /// whatever the log store is: it is small, written rarely, and must be readable before the cluster forms.
    /// </summary>
    private static string MetadataFile(Config layered, string dataDir)
    {
        var configured = layered.GetString("akka.cluster.distributed-data.durable.sqlite.path", "");
        return string.IsNullOrWhiteSpace(configured) ? Path.Combine(dataDir, MetadataFileName) : Path.GetFullPath(configured);
    }

    /// <summary>
    /// The journal settings for the configured store: a SQLite file in the data dir, or a schema of its own
    /// (<see cref="PostgresStorage.SchemaFor"/>) in a PostgreSQL database; the effective schema is written back
    /// to <c>actorlog.storage.postgresql-schema</c> for <see cref="PrepareStorage"/>.
    /// </summary>
    private static string Storage(Config actorlog, string dataDir, int brokerId)
    {
        var provider = actorlog.GetString("storage.provider", "sqlite").ToLowerInvariant();
        switch (provider)
        {
            case "sqlite":
                var cs = Quote(SqliteJournal.ConnectionString(dataDir));
                var snapshots = Quote(SqliteJournal.SnapshotConnectionString(dataDir));
                SqliteJournal.ParseSynchronous(actorlog.GetString("storage.sqlite-synchronous", "normal"));
                SqliteCheckpointer.ReadInterval(actorlog);
                // SQLite has one writer per file: concurrent journal transactions would only wait on its lock.
                // Parameters, not SQL literals, for multi-row inserts: a batch payload inlined as hex text costs
                // more CPU to build and to parse than the write itself. A fresh data connection per write instead
                // of a clone measured +14% RF 3 acks=all throughput here (bench/RESULTS.md). The index snapshots have a
                // file of their own: writing one never holds the journal's writer (decision 35).
                return $"akka.persistence.journal.sql {{ provider-name = \"SQLite.MS\", connection-string = {cs}, parallelism = 1, prefer-parameters-on-multirow-insert = true, use-clone-connection = false }}\n" +
                       $"akka.persistence.query.journal.sql {{ provider-name = \"SQLite.MS\", connection-string = {cs} }}\n" +
                       $"akka.persistence.snapshot-store.sql {{ provider-name = \"SQLite.MS\", connection-string = {snapshots} }}";
            case "postgresql":
                var connectionString = actorlog.GetString("storage.postgresql-connection-string", "");
                if (string.IsNullOrWhiteSpace(connectionString)) throw new BrokerConfigException("storage.provider = postgresql needs storage.postgresql-connection-string");
                PostgresStorage.ParseConnectionString(connectionString);
                var schema = PostgresStorage.SchemaFor(brokerId, actorlog.GetString("storage.postgresql-schema", ""));
                // table-mapping stays "default" (journal, tags, snapshot): the "postgresql" mapping only exists to
                // read journals of the older Akka.Persistence.PostgreSql plugin. The query journal is not used by
                // the broker; it points at the same tables so that a tool reading it sees this broker's log.
                var pg = $"provider-name = \"{PostgresStorage.ProviderName}\", connection-string = {Quote(connectionString)}, default.schema-name = {Quote(schema)}";
                return $"actorlog.storage.postgresql-schema = {Quote(schema)}\n" +
                       $"akka.persistence.journal.sql {{ {pg} }}\n" +
                       $"akka.persistence.query.journal.sql {{ {pg} }}\n" +
                       $"akka.persistence.snapshot-store.sql {{ {pg} }}";
            default:
                throw new BrokerConfigException($"storage.provider must be sqlite or postgresql, got '{provider}'");
        }
    }

    /// <summary>
    /// Makes the data dir (it holds the cluster metadata whatever the log store), proves it writable; then
    /// switches the SQLite file to WAL once (WAL is a property of the file; the connection string has no keyword
    /// for it), or checks PostgreSQL and makes this broker's schema (<see cref="PostgresStorage.Prepare"/>).
    /// </summary>
    public static void PrepareStorage(Config config)
    {
        var actorlog = config.GetConfig("actorlog");
        var dataDir = actorlog.GetString("data-dir");
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrokerConfigException($"Data dir '{dataDir}' is not writable: {e.Message}");
        }
        if (string.Equals(actorlog.GetString("storage.provider", "sqlite"), "postgresql", StringComparison.OrdinalIgnoreCase))
        {
            PostgresStorage.Prepare(actorlog.GetString("storage.postgresql-connection-string"),
                actorlog.GetString("storage.postgresql-schema"), actorlog.GetInt("broker-id"));
            return;
        }
        SqliteFiles.Prepare(dataDir);
    }

    private static Config Overrides(BrokerOptions o, IReadOnlyDictionary<string, string?> env)
    {
        var lines = new List<string>();
        void Set(string key, string? flag, string envName, bool quote = true)
        {
            var value = flag ?? Env(env, envName);
            if (value is not null) lines.Add($"actorlog.{key} = {(quote ? Quote(value) : value)}");
        }
        Set("broker-id", o.BrokerId?.ToString(), "ACTORLOG_BROKER_ID", quote: false);
        Set("host", o.Host, "ACTORLOG_HOST");
        Set("port", o.Port?.ToString(), "ACTORLOG_PORT", quote: false);
        Set("data-dir", o.DataDir, "ACTORLOG_DATA_DIR");
        var seeds = o.Seeds is not null ? string.Join(",", o.Seeds) : Env(env, "ACTORLOG_SEEDS");
        if (seeds is not null)
            lines.Add($"actorlog.seeds = [ {string.Join(", ", seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Quote))} ]");
        try { return ConfigurationFactory.ParseString(string.Join("\n", lines)); }
        catch (Exception e) { throw new BrokerConfigException($"Invalid broker option: {e.Message}"); }
    }

    private static string? Env(IReadOnlyDictionary<string, string?> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>"host:port" (or a full akka.tcp address) → the Akka address of that broker.</summary>
    public static string SeedAddress(string seed)
    {
        if (seed.StartsWith("akka.tcp://", StringComparison.Ordinal)) return seed;
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
            throw new BrokerConfigException($"Seed '{seed}' is not HOST:PORT");
        return $"akka.tcp://{SystemName}@{seed[..colon]}:{port}";
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>A broker cannot start with this configuration; the message says what to fix.</summary>
public sealed class BrokerConfigException(string message) : Exception(message);
