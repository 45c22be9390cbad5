using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorLog.Hosting;

/// <summary>
/// Checkpoints the journal's SQLite file on a thread of its own (decision 36). By default SQLite checkpoints on the
/// connection whose commit takes the WAL past 1,000 pages: that journal write then also copies ~4 MB into the
/// database file and syncs both files, and one record at a time this made ~2% of acks=all records ~4 ms slower, the
/// p99 (bench/RESULTS.md, session 14). With this checkpointer the journal's connections turn automatic checkpoints
/// off (<see cref="SqliteJournal.Setup"/>) and this thread runs a PASSIVE checkpoint every interval, which neither
/// waits for nor blocks the journal's writer. Should the WAL still pass <see cref="RestartAfterPages"/> (the writer
/// never paused while a checkpoint caught up, so the file never started over), a RESTART checkpoint waits for the
/// writer once and makes the next write start the WAL from its beginning.
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, TimeSpan interval, ILogger<SqliteCheckpointer> log) : IHostedService, IDisposable
{
    public const string Setting = "storage.sqlite-checkpoint-interval";

    /// <summary>16 MiB of 4 KiB pages.</summary>
    public const int RestartAfterPages = 4_096;

    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long _passes;

    /// <summary>Checkpoints run so far (each interval's, whether or not there was anything to copy).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Whether its thread is running.</summary>
    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>The interval, or null when the setting is off (SQLite's automatic checkpoints instead).</summary>
    public static TimeSpan? ReadInterval(Config actorlog)
    {
        var text = actorlog.GetString(Setting, "100ms").Trim();
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        TimeSpan? interval;
        try { interval = actorlog.GetTimeSpan(Setting); }
        catch (Exception) { interval = null; }
        return interval is { } t && t > TimeSpan.Zero ? t
            : throw new BrokerConfigException($"actorlog.{Setting} must be a duration above 0 (e.g. 100ms) or off, got '{text}'");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpointer" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <summary>Also when the host is disposed without being stopped (a broker torn down as if it crashed).</summary>
    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private void Stop()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        try
        {
            // Not pooled: the file is released when the broker stops.
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {SqliteJournal.BusyTimeoutMs};");
            var failing = false;
            while (!_stop.Token.WaitHandle.WaitOne(interval))
            {
                try
                {
                    var walPages = Checkpoint(connection, "PASSIVE");
                    if (walPages >= RestartAfterPages) Checkpoint(connection, "RESTART");
                    Interlocked.Increment(ref _passes);
                    failing = false;
                }
                catch (SqliteException e)
                {
                    // A busy file (a RESTART that waited out its timeout) is tried again at the next interval.
                    if (!failing) log.LogWarning(e, "Checkpointing the journal's SQLite file failed; trying again every {Interval}", interval);
                    failing = true;
                }
            }
        }
        catch (Exception e)
        {
            // An exception leaving this thread would end the process; the journal itself still works without it.
            log.LogError(e, "The journal's SQLite checkpointer stopped; the WAL file grows until the broker restarts");
        }
    }

    /// <summary>Runs a checkpoint; returns the WAL's size in pages as it found it.</summary>
    private static long Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetInt64(1) : 0;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
