using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using ActorLog.Hosting;
using Xunit;

namespace ActorLog.Tests.Unit;

public sealed class SqliteJournalTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnv = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("actorlog-sqlite-journal-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>What SQLite reports for PRAGMA synchronous on a connection opened with the journal's DataOptions.</summary>
    private long SynchronousSeenByTheJournal(string mode)
    {
        var setup = SqliteJournal.Setup(_dir, mode);
        Assert.True(setup.TryGetDataOptionsFor(SqliteJournal.JournalPluginId, out var options));
        using var db = new DataConnection(options!);
        return db.Execute<long>("PRAGMA synchronous;");
    }

    [Theory]
    [InlineData("off", 0)]
    [InlineData("normal", 1)]
    [InlineData("FULL", 2)]
    [InlineData("extra", 3)]
    public void Every_journal_connection_gets_the_configured_synchronous_mode(string mode, long expected)
    {
        // SQLite's own default is full (2): anything else proves the interceptor ran on this connection.
        Assert.Equal(expected, SynchronousSeenByTheJournal(mode));
    }

    [Fact]
    public void Pooled_and_concurrent_connections_all_have_the_mode()
    {
        // The pragma runs once per native handle: a handle reused from the pool keeps it, a second one gets its own.
        var setup = SqliteJournal.Setup(_dir, "off");
        Assert.True(setup.TryGetDataOptionsFor(SqliteJournal.JournalPluginId, out var options));
        for (var i = 0; i < 3; i++)
        {
            using var first = new DataConnection(options!);
            using var second = new DataConnection(options!);
            Assert.Equal(0L, first.Execute<long>("PRAGMA synchronous;"));
            Assert.Equal(0L, second.Execute<long>("PRAGMA synchronous;"));
        }
    }

    [Fact]
    public void Every_plugin_on_the_file_waits_inside_SQLite_for_another_writer()
    {
        // Without a busy timeout a write that meets the snapshot store's (or a retention delete's) transaction fails
        // with SQLITE_BUSY at once and Microsoft.Data.Sqlite sleeps 150 ms before it tries again.
        var setup = SqliteJournal.Setup(_dir, "normal");
        Assert.Equal(3, SqliteJournal.PluginIds.Count);
        foreach (var pluginId in SqliteJournal.PluginIds)
        {
            Assert.True(setup.TryGetDataOptionsFor(pluginId, out var options), pluginId);
            using var db = new DataConnection(options!);
            Assert.Equal((long)SqliteJournal.BusyTimeoutMs, db.Execute<long>("PRAGMA busy_timeout;"));
            Assert.Equal(1L, db.Execute<long>("PRAGMA synchronous;"));
        }
    }

    [Theory]
    [InlineData(SqliteJournal.JournalPluginId, SqliteJournal.FileName)]
    [InlineData(SqliteJournal.QueryPluginId, SqliteJournal.FileName)]
    [InlineData(SqliteJournal.SnapshotPluginId, SqliteJournal.SnapshotFileName)]
    public void Each_plugin_opens_its_file_in_the_data_dir(string pluginId, string file)
    {
        // The snapshots have a file of their own, so writing one never holds the journal's writer.
        Assert.True(SqliteJournal.Setup(_dir, "normal").TryGetDataOptionsFor(pluginId, out var options));
        using var db = new DataConnection(options!);
        Assert.Equal(Path.Combine(_dir, file), db.Query<string>("SELECT file FROM pragma_database_list WHERE name = 'main'").Single());
    }

    [Fact]
    public void Normal_is_the_default_and_an_unknown_mode_is_refused_naming_the_setting()
    {
        var c = BrokerConfig.Build(new BrokerOptions { DataDir = _dir }, NoEnv);
        Assert.Equal("normal", c.GetString("actorlog.storage.sqlite-synchronous"));

        var file = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(file, "actorlog.storage.sqlite-synchronous = sometimes");
        var e = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Build(new BrokerOptions { DataDir = _dir, ConfigFile = file }, NoEnv));
        Assert.Contains("actorlog.storage.sqlite-synchronous", e.Message);
        Assert.Contains("sometimes", e.Message);
    }
}
