using Microsoft.Data.Sqlite;

namespace ActorLog.Metadata.Durable;

/// <summary>One durable Distributed Data entry as stored: the envelope's bytes and how to deserialize them.</summary>
public sealed record StoredEntry(string Key, int SerializerId, string Manifest, byte[] Envelope);

/// <summary>
/// The SQLite file behind <see cref="SqliteDurableStore"/>: one row per durable key. Knows nothing of actors
/// or Akka serialization, so it can be tested (and its failures understood) on its own.
/// </summary>
public sealed class DurableEntryFile : IDisposable
{
    private readonly SqliteConnection _connection;

    public string Path { get; }

    private DurableEntryFile(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    /// <summary>Opens (or creates) the file. Throws if it is not a usable SQLite database.</summary>
    public static DurableEntryFile Open(string path)
    {
        if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        // No pooling: a stopped store must release the file (tests delete it; a restarted store reopens it).
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // WAL: readers never block the writer. synchronous=FULL: in WAL mode NORMAL skips the fsync at
            // commit, and an acknowledged majority write must survive a power loss, not only a killed process.
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS durable_data (
                    key TEXT PRIMARY KEY NOT NULL,
                    serializer_id INTEGER NOT NULL,
                    manifest TEXT NOT NULL,
                    envelope BLOB NOT NULL,
                    updated_at TEXT NOT NULL
                );
                """);
            return new DurableEntryFile(path, connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public IReadOnlyList<StoredEntry> ReadAll()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT key, serializer_id, manifest, envelope FROM durable_data ORDER BY key;";
        using var reader = command.ExecuteReader();
        var entries = new List<StoredEntry>();
        while (reader.Read())
            entries.Add(new StoredEntry(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), (byte[])reader.GetValue(3)));
        return entries;
    }

    /// <summary>Inserts or replaces the entries in one transaction: on disk when this returns.</summary>
    public void Upsert(IReadOnlyCollection<StoredEntry> entries)
    {
        if (entries.Count == 0) return;
        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO durable_data (key, serializer_id, manifest, envelope, updated_at)
            VALUES ($key, $serializer, $manifest, $envelope, $at)
            ON CONFLICT (key) DO UPDATE SET serializer_id = excluded.serializer_id, manifest = excluded.manifest,
                envelope = excluded.envelope, updated_at = excluded.updated_at;
            """;
        var key = command.Parameters.Add("$key", SqliteType.Text);
        var serializer = command.Parameters.Add("$serializer", SqliteType.Integer);
        var manifest = command.Parameters.Add("$manifest", SqliteType.Text);
        var envelope = command.Parameters.Add("$envelope", SqliteType.Blob);
        // For people reading the file when something went wrong; the store never reads it.
        command.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O"));
        foreach (var entry in entries)
        {
            key.Value = entry.Key;
            serializer.Value = entry.SerializerId;
            manifest.Value = entry.Manifest;
            envelope.Value = entry.Envelope;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public void Dispose() => _connection.Dispose();

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
