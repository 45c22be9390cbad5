using System.Diagnostics;
using ActorLog.Hosting;
using Npgsql;

namespace ActorLog.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server for one test: initdb into a fresh temp dir, listening only on 127.0.0.1 at a free
/// port (its unix socket in that dir), trust authentication, one database. Stopped and deleted on dispose.
/// As root the server runs as the `postgres` user: PostgreSQL refuses to run as root.
/// A machine without PostgreSQL fails the test with how to install it: a skipped test would let CI pass without
/// ever touching PostgreSQL (.ci/run installs it; elsewhere exclude the tests with --filter FullyQualifiedName!~Postgres).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string Database = "actorlog";
    public const string User = "postgres";

    private readonly string _binDir;
    private readonly string _dir;
    private readonly bool _asPostgresUser;

    private PostgresServer(string binDir, string dir, bool asPostgresUser, int port)
    {
        _binDir = binDir;
        _dir = dir;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    private string DataDir => Path.Combine(_dir, "data");

    private string LogFile => Path.Combine(_dir, "server.log");

    public string ConnectionString => ConnectionStringFor(Database);

    // No pooling: a test's few queries must not keep connections that would outlive the server.
    private string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username={User};Pooling=false;Timeout=10";

    public static async Task<PostgresServer> StartAsync()
    {
        var binDir = FindBinDir() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb and pg_ctl in ACTORLOG_PG_BINDIR, `pg_config --bindir` or " +
            "/usr/lib/postgresql/*/bin): these tests start their own server. Install it (Debian: apt-get install " +
            "postgresql; .ci/run does this), set ACTORLOG_PG_BINDIR to the directory holding initdb and pg_ctl, or " +
            "exclude the tests with --filter \"FullyQualifiedName!~Postgres\".");
        var asPostgresUser = Environment.IsPrivilegedProcess;
        var dir = Directory.CreateTempSubdirectory("actorlog-pg-").FullName;
        try
        {
            if (asPostgresUser) await RunAsync("chown", ["postgres:postgres", dir], asPostgresUser: false);
            // --no-sync: initdb's final flush of a data dir thrown away after the test only costs seconds; the
            // server itself keeps fsync on, so commits the brokers wait for are real ones.
            await RunAsync(Path.Combine(binDir, "initdb"),
                ["-D", Path.Combine(dir, "data"), "--auth=trust", $"--username={User}", "-E", "UTF8", "--no-instructions", "--no-sync"], asPostgresUser);
            // A port free now may be taken before the postmaster binds it: try another one then.
            for (var attempt = 1; ; attempt++)
            {
                var server = new PostgresServer(binDir, dir, asPostgresUser, LoopbackPorts.Free(1)[0]);
                try
                {
                    await server.PgCtlAsync("start", "-w", "-t", "60", "-l", server.LogFile,
                        "-o", $"-p {server.Port} -k {dir} -c listen_addresses=127.0.0.1");
                }
                catch (InvalidOperationException) when (attempt < 3 && server.Log().Contains("could not bind", StringComparison.Ordinal))
                {
                    continue;
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidOperationException($"{e.Message}\nserver log:\n{server.Log()}", e);
                }
                await server.ExecuteAsync($"CREATE DATABASE {Database}", database: "postgres");
                return server;
            }
        }
        catch
        {
            TryDelete(dir);
            throw;
        }
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task ExecuteAsync(string sql, string database = Database)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public string Log()
    {
        try { return File.ReadAllText(LogFile); }
        catch (IOException) { return ""; }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        // immediate: the data is thrown away, so there is nothing to checkpoint.
        try { await PgCtlAsync("stop", "-w", "-m", "immediate"); }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // The postmaster's pid is the first line of postmaster.pid; left running it would outlive the test run.
            try { Process.GetProcessById(int.Parse(File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First())).Kill(); }
            catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }
        TryDelete(_dir);
    }

    private Task PgCtlAsync(params string[] args) =>
        RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", DataDir, .. args], _asPostgresUser);

    /// <summary>ACTORLOG_PG_BINDIR, then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin (Debian).</summary>
    private static string? FindBinDir()
    {
        static bool HasServer(string? dir) => dir is not null && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

        var configured = Environment.GetEnvironmentVariable("ACTORLOG_PG_BINDIR");
        if (!string.IsNullOrEmpty(configured)) return HasServer(configured) ? configured : null;
        try
        {
            using var pgConfig = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            var bindir = pgConfig?.StandardOutput.ReadToEnd().Trim();
            pgConfig?.WaitForExit();
            if (HasServer(bindir)) return bindir;
        }
        catch (System.ComponentModel.Win32Exception) { } // no pg_config on PATH
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(x => HasServer(x.Dir)).OrderByDescending(x => x.Version).Select(x => x.Dir).FirstOrDefault()
            : null;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, bool asPostgresUser)
    {
        var info = new ProcessStartInfo(asPostgresUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (asPostgresUser) foreach (var a in new[] { "-u", "postgres", "--", program }) info.ArgumentList.Add(a);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish within 90 s: {await stderr}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(" ", info.ArgumentList.Prepend(info.FileName))} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
