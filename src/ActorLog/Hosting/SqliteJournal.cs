using System.Data.Common;
using System.Runtime.CompilerServices;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;

namespace ActorLog.Hosting;

/// <summary>
/// The SQLite log store's connection settings. SQLite keeps <c>PRAGMA synchronous</c> per connection (there is no
/// connection-string keyword for it), and Akka.Persistence.Sql opens a connection per journal write, so the pragma
/// is set by a linq2db interceptor on every connection the journal opens, handed to the plugin as its DataOptions.
/// </summary>
public static class SqliteJournal
{
    public const string FileName = "actorlog.db";

    /// <summary>The journal's plugin id (its HOCON path), under which Akka.Persistence.Sql looks for DataOptions.</summary>
    public const string JournalPluginId = "akka.persistence.journal.sql";

    public static readonly IReadOnlyList<string> SynchronousModes = ["off", "normal", "full", "extra"];

    public static string ConnectionString(string dataDir) => $"Data Source={Path.Combine(dataDir, FileName)}";

    /// <summary>The mode as SQLite spells it, or a <see cref="BrokerConfigException"/> naming the allowed ones.</summary>
    public static string ParseSynchronous(string value)
    {
        var mode = value.Trim().ToLowerInvariant();
        return SynchronousModes.Contains(mode) ? mode
            : throw new BrokerConfigException(
                $"actorlog.storage.sqlite-synchronous must be one of {string.Join(", ", SynchronousModes)}, got '{value}'");
    }

    /// <summary>The journal's DataOptions: the same provider and file as its HOCON settings, plus the pragma.</summary>
    public static MultiDataOptionsSetup Setup(string dataDir, string synchronous)
    {
        var options = new DataOptions()
            .UseConnectionString("SQLite.MS", ConnectionString(dataDir))
            .UseInterceptor(new SynchronousPragma(ParseSynchronous(synchronous)));
        var setup = new MultiDataOptionsSetup();
        setup.AddDataOptions(JournalPluginId, options);
        return setup;
    }

    /// <summary>
    /// Sets the pragma on each native SQLite connection once. Microsoft.Data.Sqlite pools native handles, and a
    /// pooled handle keeps its pragma, so running the statement at every open (every journal write) was an extra
    /// statement per write for nothing.
    /// </summary>
    private sealed class SynchronousPragma(string mode) : ConnectionInterceptor
    {
        private readonly string _sql = $"PRAGMA synchronous = {mode};";
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
