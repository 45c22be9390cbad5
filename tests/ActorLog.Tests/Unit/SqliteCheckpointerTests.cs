using System.Diagnostics;
using Akka.Configuration;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using ActorLog.Hosting;
using ActorLog.Tests.Infrastructure;
using Xunit;

namespace ActorLog.Tests.Unit;

public sealed class SqliteCheckpointerTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("actorlog-checkpointer-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private const int Rows = 2000;

    private string DbFile => Path.Combine(_dir, SqliteJournal.FileName);

    [Theory]
    [InlineData("", 100)]
    [InlineData("actorlog.storage.sqlite-checkpoint-interval = 250ms", 250)]
    [InlineData("actorlog.storage.sqlite-checkpoint-interval = off", -1)]
    public void The_interval_is_a_duration_or_off(string hocon, int expectedMs)
    {
        var config = ConfigurationFactory.ParseString(hocon).WithFallback(ActorLog.Configuration.DefaultConfig.Load()).GetConfig("actorlog");
        Assert.Equal(expectedMs < 0 ? null : TimeSpan.FromMilliseconds(expectedMs), SqliteCheckpointer.ReadInterval(config));
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 1000)]
    public void With_the_checkpointer_journal_connections_leave_checkpoints_to_it_and_snapshot_ones_keep_sqlites(bool checkpointer, long journalPages)
    {
        var setup = SqliteJournal.Setup(_dir, "normal", checkpointer);
        foreach (var (pluginId, expected) in new[] { (SqliteJournal.JournalPluginId, journalPages), (SqliteJournal.QueryPluginId, journalPages),
                     (SqliteJournal.SnapshotPluginId, 1000L) })
        {
            Assert.True(setup.TryGetDataOptionsFor(pluginId, out var options));
            using var db = new DataConnection(options!);
            Assert.Equal(expected, db.Execute<long>("PRAGMA wal_autocheckpoint;"));
        }
    }

    [Fact]
    public async Task It_copies_the_WAL_into_the_database_so_the_next_write_starts_the_WAL_over()
    {
        // A writer that never checkpoints, as the journal's connections with the checkpointer.
        using var writer = Open();
        Execute(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB);");
        Insert(writer, rows: Rows);
        Assert.True(new FileInfo(DbFile).Length < 64 * 1024, "without checkpoints the rows stay in the WAL");

        var checkpointer = await StartCheckpointerAsync();
        try
        {
            await Until(() => checkpointer.Passes >= 2 && new FileInfo(DbFile).Length > Rows * 4000L, "the rows were copied into the database file");
            // Every frame is in the database file, so the next write starts the WAL over from its first frame.
            AssertTheNextWriteStartsTheWalOver(writer);
        }
        finally
        {
            await StopAsync(checkpointer);
        }
    }

    [Fact]
    public async Task A_reader_holding_the_WAL_delays_journal_writes_only_briefly_and_the_RESTART_backs_off_until_it_is_gone()
    {
        // The journal's side: no automatic checkpoints and the journal's busy timeout. Past RestartAfterPages of WAL.
        using var writer = Open();
        Execute(writer, $"PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = {SqliteJournal.BusyTimeoutMs}; CREATE TABLE t (x BLOB);");
        Insert(writer, rows: SqliteCheckpointer.RestartAfterPages + 500);
        // A long read (a replica's recovery): its snapshot keeps the WAL from starting over.
        using var reader = Open();
        Execute(reader, "BEGIN; SELECT count(*) FROM t;");

        // Started before the checkpointer, so that no delay in seeing its counters can shorten what it measures.
        var sinceStart = Stopwatch.StartNew();
        var checkpointer = await StartCheckpointerAsync();
        try
        {
            await Until(() => checkpointer.RestartsBusy >= 1, "a RESTART gave up while the reader held the WAL");
            // Journal writes go on through the next two attempts, each of which holds the writer while it waits.
            var slowest = TimeSpan.Zero;
            while (checkpointer.Restarts < 3)
            {
                var write = Stopwatch.StartNew();
                Insert(writer, rows: 1);
                slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, write.Elapsed.Ticks));
                Assert.True(sinceStart.Elapsed < WaitLimit, "the RESTART was not tried again");
            }
            await Until(() => checkpointer.RestartsBusy >= 3,
                $"every RESTART gave up while the reader held the WAL: {checkpointer.RestartsBusy} of {checkpointer.Restarts}");
            Assert.True(slowest < TimeSpan.FromSeconds(2), $"a journal write waited {slowest.TotalMilliseconds:F0} ms for the checkpointer");
            // Back-off of 1 s, then 2 s: the third attempt starts 3 s after the first at the earliest, not an attempt
            // every interval, each holding the writer (those three would take ~0.4 s).
            Assert.True(sinceStart.Elapsed >= TimeSpan.FromSeconds(2.9),
                $"three RESTARTs within {sinceStart.Elapsed.TotalMilliseconds:F0} ms of the start ({checkpointer.RestartsBusy} gave up)");

            Execute(reader, "COMMIT;");
            await Until(() => checkpointer.Restarts - checkpointer.RestartsBusy >= 1, "a RESTART finished once the reader was gone");
            AssertTheNextWriteStartsTheWalOver(writer);
        }
        finally
        {
            await StopAsync(checkpointer);
        }
    }

    [Fact]
    public async Task A_host_disposed_without_being_stopped_still_ends_its_thread()
    {
        // A broker torn down as if it crashed (InProcessCluster.CrashBrokerAsync) disposes its host without stopping it.
        var checkpointer = await StartCheckpointerAsync();
        await Until(() => checkpointer.Passes >= 1, "a checkpoint ran");
        checkpointer.Dispose();
        Assert.False(checkpointer.IsRunning);
        checkpointer.Dispose();
    }

    private async Task<SqliteCheckpointer> StartCheckpointerAsync()
    {
        var checkpointer = new SqliteCheckpointer(SqliteJournal.ConnectionString(_dir), TimeSpan.FromMilliseconds(20), NullLogger<SqliteCheckpointer>.Instance);
        await checkpointer.StartAsync(CancellationToken.None);
        return checkpointer;
    }

    private static async Task StopAsync(SqliteCheckpointer checkpointer)
    {
        await checkpointer.StopAsync(CancellationToken.None);
        checkpointer.Dispose();
    }

    private static Task Until(Func<bool> condition, string because) =>
        Eventually.Async(() =>
        {
            Assert.True(condition(), because);
            return Task.CompletedTask;
        }, WaitLimit, PollInterval);

    /// <summary>With every frame in the database file, a write starts the WAL over from its first frame.</summary>
    private void AssertTheNextWriteStartsTheWalOver(SqliteConnection writer)
    {
        Insert(writer, rows: 1);
        using var probe = Open();
        var frames = WalFrames(probe);
        Assert.True(frames < 100, $"the WAL holds {frames} frames after one more row");
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={DbFile};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Insert(SqliteConnection connection, int rows)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO t VALUES (randomblob(4000))";
        for (var i = 0; i < rows; i++) insert.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>The WAL's size in frames, as a PASSIVE checkpoint reports it.</summary>
    private static long WalFrames(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return reader.GetInt64(1);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
