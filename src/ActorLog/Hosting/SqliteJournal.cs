using System.Data.Common;
using System.Runtime.CompilerServices;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;

namespace ActorLog.Hosting;

/// <summary>
/// The SQLite log store's files and connection settings. The journal (the log) is <see cref="FileName"/>; the index
/// snapshots of decision 30 are <see cref="SnapshotFileName"/>, a file of their own so that writing one never holds
/// the journal's writer (decision 35). SQLite keeps <c>PRAGMA synchronous</c> and <c>busy_timeout</c> per connection
/// (there are no connection-string keywords for them), and Akka.Persistence.Sql opens a connection per journal write,
/// so the pragmas are set by a linq2db interceptor on every connection its journal, snapshot store and query journal
/// open, handed to each plugin as its DataOptions.
/// </summary>
public static class SqliteJournal
{
    public const string FileName = "actorlog.db";

    public const string SnapshotFileName = "snapshots.db";

    /// <summary>The journal's plugin id (its HOCON path), under which Akka.Persistence.Sql looks for DataOptions.</summary>
    public const string JournalPluginId = "akka.persistence.journal.sql";

    public const string SnapshotPluginId = "akka.persistence.snapshot-store.sql";

    public const string QueryPluginId = "akka.persistence.query.journal.sql";

    /// <summary>Every plugin that opens connections to the store's files.</summary>
    public static readonly IReadOnlyList<string> PluginIds = [JournalPluginId, SnapshotPluginId, QueryPluginId];

    /// <summary>
    /// How long SQLite itself waits for another connection's write to a file to finish. A file has one writer at a
    /// time, and the journal's deletes (retention, cleaning) write beside its appends. Without a busy timeout SQLite
    /// answers SQLITE_BUSY at once and Microsoft.Data.Sqlite retries only after sleeping 150 ms: when the snapshots
    /// shared the journal's file, every index snapshot stalled its partition's journal writes for 150 ms
    /// (bench/RESULTS.md, session 14). SQLite's own wait polls within milliseconds; past this bound
    /// Microsoft.Data.Sqlite's retries go on to the command timeout.
    /// </summary>
    public const int BusyTimeoutMs = 10_000;

    public static readonly IReadOnlyList<string> SynchronousModes = ["off", "normal", "full", "extra"];

    public static string ConnectionString(string dataDir) => $"Data Source={Path.Combine(dataDir, FileName)}";

    public static string SnapshotConnectionString(string dataDir) => $"Data Source={Path.Combine(dataDir, SnapshotFileName)}";

    /// <summary>The mode as SQLite spells it, or a <see cref="BrokerConfigException"/> naming the allowed ones.</summary>
    public static string ParseSynchronous(string value)
    {
        var mode = value.Trim().ToLowerInvariant();
        return SynchronousModes.Contains(mode) ? mode
            : throw new BrokerConfigException(
                $"actorlog.storage.sqlite-synchronous must be one of {string.Join(", ", SynchronousModes)}, got '{value}'");
    }

    /// <summary>
    /// The plugins' DataOptions: the same provider and files as their HOCON settings, plus the pragmas. With
    /// <paramref name="checkpointer"/> the journal's connections leave checkpoints to <see cref="SqliteCheckpointer"/>.
    /// </summary>
    public static MultiDataOptionsSetup Setup(string dataDir, string synchronous, bool checkpointer = false)
    {
        var mode = ParseSynchronous(synchronous);
        DataOptions On(string connectionString, ConnectionPragmas pragmas) =>
            new DataOptions().UseConnectionString("SQLite.MS", connectionString).UseInterceptor(pragmas);
        var log = On(ConnectionString(dataDir), new ConnectionPragmas(mode, autoCheckpoint: !checkpointer));
        var setup = new MultiDataOptionsSetup();
        setup.AddDataOptions(JournalPluginId, log);
        setup.AddDataOptions(QueryPluginId, log);
        setup.AddDataOptions(SnapshotPluginId, On(SnapshotConnectionString(dataDir), new ConnectionPragmas(mode, autoCheckpoint: true)));
        return setup;
    }

    /// <summary>
    /// Sets the pragmas on each native SQLite connection once. Microsoft.Data.Sqlite pools native handles, and a
    /// pooled handle keeps its pragmas, so running the statement at every open (every journal write) was an extra
    /// statement per write for nothing.
    /// </summary>
    private sealed class ConnectionPragmas(string mode, bool autoCheckpoint) : ConnectionInterceptor
    {
        /// <summary>SQLite's default: checkpoint on the connection whose commit takes the WAL past 1,000 pages.</summary>
        private const int AutoCheckpointPages = 1000;

        private readonly string _sql = $"PRAGMA synchronous = {mode}; PRAGMA busy_timeout = {BusyTimeoutMs}; " +
                                       $"PRAGMA wal_autocheckpoint = {(autoCheckpoint ? AutoCheckpointPages : 0)};";
        private readonly ConditionalWeakTable<object, object> _configured = new();

        public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
        {
            if (AlreadySet(connection)) return;
            using var command = connection.CreateCommand();
            command.CommandText = _sql;
            command.ExecuteNonQuery();
            Remember(connection);
        }

        public override async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
        {
            if (AlreadySet(connection)) return;
            await using var command = connection.CreateCommand();
            command.CommandText = _sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            Remember(connection);
        }

        /// <summary>The native handle outlives the ADO.NET connection object in the pool; other providers always run it.</summary>
        private bool AlreadySet(DbConnection connection) =>
            connection is SqliteConnection { Handle: { } handle } && _configured.TryGetValue(handle, out _);

        private void Remember(DbConnection connection)
        {
            if (connection is SqliteConnection { Handle: { } handle }) _configured.AddOrUpdate(handle, this);
        }
    }
}
