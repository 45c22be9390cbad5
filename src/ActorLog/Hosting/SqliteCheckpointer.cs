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
/// writer once and makes the next write start the WAL from its beginning. A RESTART holds the writer while it waits
/// for readers to leave the WAL, so it waits at most <see cref="RestartWaitMs"/> and, when a reader outlasts that,
/// tries again only after a back-off: with the journal's busy timeout it would have held every journal write of
/// the broker for as long as the longest read (a replica's recovery), failing those that waited past 10 s.
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, TimeSpan interval, ILogger<SqliteCheckpointer> log) : IHostedService, IDisposable
{
    public const string Setting = "storage.sqlite-checkpoint-interval";

    /// <summary>16 MiB of 4 KiB pages.</summary>
    public const int RestartAfterPages = 4_096;

    /// <summary>
    /// This connection's busy timeout: how long a RESTART waits for the journal's writer to finish its transaction,
    /// and then, holding the writer off, for readers to leave the WAL. A journal write waits this long at most
    /// (plus the copy); reads of the journal are a fetch's few MiB, done within it, or a replica's recovery.
    /// </summary>
    public const int RestartWaitMs = 100;

    /// <summary>After a RESTART that a reader kept from finishing, the next waits this long, doubling up to <see cref="MaxRestartBackOff"/>.</summary>
    public static readonly TimeSpan FirstRestartBackOff = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxRestartBackOff = TimeSpan.FromSeconds(16);

    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long _passes;
    private long _restarts;
    private long _restartsBusy;

    /// <summary>Checkpoints run so far (each interval's, whether or not there was anything to copy).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>RESTART checkpoints tried so far, finished or not.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>RESTART checkpoints that gave up after <see cref="RestartWaitMs"/> (a reader or the writer held on).</summary>
    public long RestartsBusy => Interlocked.Read(ref _restartsBusy);

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
        SqliteConnection? connection = null;
        var failing = false;
        var backOff = TimeSpan.Zero;
        var nextRestart = 0L;
        try
        {
            while (!_stop.Token.WaitHandle.WaitOne(interval))
            {
                try
                {
                    connection ??= Open();
                    var (_, walPages) = Checkpoint(connection, "PASSIVE");
                    if (walPages >= RestartAfterPages && Environment.TickCount64 >= nextRestart)
                    {
                        Interlocked.Increment(ref _restarts);
                        // The next attempt waits out the back-off unless this one is known to have finished (a
                        // RESTART that throws backs off too).
                        backOff = backOff == TimeSpan.Zero ? FirstRestartBackOff : TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxRestartBackOff.Ticks));
                        nextRestart = Environment.TickCount64 + (long)backOff.TotalMilliseconds;
                        var (busy, _) = Checkpoint(connection, "RESTART");
                        if (!busy) (backOff, nextRestart) = (TimeSpan.Zero, 0);
                        else
                        {
                            Interlocked.Increment(ref _restartsBusy);
                            if (backOff == MaxRestartBackOff)
                                log.LogInformation("The journal's WAL ({Pages} pages) has not started over for a while: a read of the journal holds it; trying again every {BackOff}",
                                    walPages, backOff);
                        }
                    }
                    Interlocked.Increment(ref _passes);
                    failing = false;
                }
                catch (SqliteException e)
                {
                    // An error of the file (I/O, a lock SQLite reports as an error): the next interval tries again
                    // on a new connection.
                    if (!failing) log.LogWarning(e, "Checkpointing the journal's SQLite file failed; trying again every {Interval}", interval);
                    failing = true;
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        catch (Exception e)
        {
            // An exception leaving this thread would end the process; the journal itself still works without it.
            log.LogError(e, "The journal's SQLite checkpointer stopped; the WAL file grows until the broker restarts");
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>Not pooled: the file is released when the broker stops.</summary>
    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        try
        {
            connection.Open();
            SqliteFiles.Execute(connection, $"PRAGMA busy_timeout = {RestartWaitMs};");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs a checkpoint; returns whether it gave up waiting (SQLite reports that in the result, not as an error) and
    /// the WAL's size in pages as it found it.
    /// </summary>
    private static (bool Busy, long WalPages) Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0) != 0, reader.GetInt64(1)) : (false, 0);
    }
}
