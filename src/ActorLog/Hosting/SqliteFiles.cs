using Microsoft.Data.Sqlite;

namespace ActorLog.Hosting;

/// <summary>
/// Readies a broker's SQLite files before its plugins open them: both in WAL mode (readers never block the writer),
/// and index snapshots that an older broker kept in the journal's file moved to the snapshot file, so an upgraded
/// broker restarts from its snapshot instead of replaying its whole journal once.
/// </summary>
public static class SqliteFiles
{
    private const string SnapshotTable = "snapshot";

    public static void Prepare(string dataDir)
    {
        using (var snapshots = Open(SqliteJournal.SnapshotConnectionString(dataDir))) Execute(snapshots, "PRAGMA journal_mode=WAL;");
        using var log = Open(SqliteJournal.ConnectionString(dataDir));
        Execute(log, "PRAGMA journal_mode=WAL;");
        MoveSnapshots(log, dataDir);
    }

    /// <summary>
    /// Copies the snapshot rows of the journal's file into the snapshot file (creating the table there as the plugin
    /// created it here), then empties them here. Each file commits on its own, so a crash between the two leaves rows
    /// in both; the next start copies again, and a row already there (same persistence id and sequence number) is kept.
    /// The emptied table stays: a broker of the older version then finds no snapshot and replays its journal.
    /// </summary>
    private static void MoveSnapshots(SqliteConnection log, string dataDir)
    {
        var schema = Strings(log, $"SELECT sql FROM sqlite_master WHERE tbl_name = '{SnapshotTable}' AND sql IS NOT NULL ORDER BY type DESC");
        if (schema.Count == 0 || Scalar(log, $"SELECT count(*) FROM [{SnapshotTable}]") == 0) return;
        using (var snapshots = Open(SqliteJournal.SnapshotConnectionString(dataDir)))
        {
            if (Scalar(snapshots, $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{SnapshotTable}'") == 0)
                foreach (var statement in schema) Execute(snapshots, statement);
        }
        using (var attach = log.CreateCommand())
        {
            attach.CommandText = "ATTACH DATABASE $path AS snapshots;";
            attach.Parameters.AddWithValue("$path", Path.Combine(dataDir, SqliteJournal.SnapshotFileName));
            attach.ExecuteNonQuery();
        }
        try
        {
            using var transaction = log.BeginTransaction();
            Execute(log, $"INSERT OR IGNORE INTO snapshots.[{SnapshotTable}] SELECT * FROM main.[{SnapshotTable}];", transaction);
            Execute(log, $"DELETE FROM main.[{SnapshotTable}];", transaction);
            transaction.Commit();
        }
        finally
        {
            Execute(log, "DETACH DATABASE snapshots;");
        }
    }

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs one statement that returns nothing (also for <see cref="SqliteCheckpointer"/>'s connection).</summary>
    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read()) result.Add(reader.GetString(0));
        return result;
    }
}
