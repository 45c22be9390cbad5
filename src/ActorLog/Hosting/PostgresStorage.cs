using System.Text.RegularExpressions;
using Npgsql;

namespace ActorLog.Hosting;

/// <summary>
/// A broker's journal and snapshot store in PostgreSQL: one schema per broker in a database the brokers share.
/// Akka.Persistence.Sql creates its tables but not the schema they live in, and an unreachable database only
/// makes its journal retry forever, so the broker checks the database, makes the schema and claims it before
/// its actor system starts.
/// </summary>
public static class PostgresStorage
{
    /// <summary>linq2db's most specific PostgreSQL dialect here (Akka.Persistence.Sql asks for the most specific one).</summary>
    public const string ProviderName = "PostgreSQL.15";

    /// <summary>The dialect above assumes PostgreSQL 15 or later.</summary>
    public static readonly Version MinimumServerVersion = new(15, 0);

    /// <summary>One row: the broker id whose log the schema holds.</summary>
    public const string OwnerTable = "actorlog_broker";

    /// <summary>How long the startup check waits for the server (Npgsql's default is 15 s).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    // linq2db quotes an identifier only when it needs quoting: a name that never does is the same schema for the
    // CREATE SCHEMA below, for the journal's own statements and for psql. 63 bytes is PostgreSQL's identifier limit.
    private static readonly Regex PlainIdentifier = new("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant);

    /// <summary>The configured schema, or <c>broker_{id}</c>: brokers sharing a schema would share one journal.</summary>
    public static string SchemaFor(int brokerId, string? configured)
    {
        var schema = string.IsNullOrWhiteSpace(configured) ? $"broker_{brokerId}" : configured.Trim();
        if (!PlainIdentifier.IsMatch(schema) || schema.StartsWith("pg_", StringComparison.Ordinal))
            throw new BrokerConfigException($"storage.postgresql-schema '{schema}' must be lower-case letters, digits and '_' " +
                "(starting with a letter or '_', at most 63, not 'pg_...')");
        return schema;
    }

    /// <summary>Checks the connection string's syntax (unknown keywords, bad values) without connecting.</summary>
    public static NpgsqlConnectionStringBuilder ParseConnectionString(string connectionString)
    {
        try { return new NpgsqlConnectionStringBuilder(connectionString); }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new BrokerConfigException($"storage.postgresql-connection-string is not a valid Npgsql connection string: {e.Message}");
        }
    }

    /// <summary>Where the store is, for messages: never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder b) =>
        $"PostgreSQL {(string.IsNullOrEmpty(b.Host) ? "(no Host)" : b.Host)}:{b.Port}, database '{b.Database ?? "(default)"}', user '{b.Username ?? "(default)"}'";

    /// <summary>
    /// Connects, checks the server version, creates the schema if it is missing and claims it for this broker.
    /// Throws <see cref="BrokerConfigException"/> naming the server and the problem.
    /// </summary>
    public static void Prepare(string connectionString, string schema, int brokerId)
    {
        var builder = ParseConnectionString(connectionString);
        var where = Describe(builder);
        // Only this one-off connection: a broker that cannot reach its store must say so within seconds.
        var limit = (int)ConnectTimeout.TotalSeconds;
        builder.Timeout = builder.Timeout > 0 ? Math.Min(builder.Timeout, limit) : limit;
        builder.CommandTimeout = limit;
        builder.Pooling = false;

        using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException or TimeoutException)
        {
            throw new BrokerConfigException($"cannot connect to the log store, {where}: {Reason(e)}");
        }
        if (connection.PostgreSqlVersion < MinimumServerVersion)
            throw new BrokerConfigException($"the log store, {where}, runs PostgreSQL {connection.PostgreSqlVersion}; ActorLog needs {MinimumServerVersion.Major} or later");

        try
        {
            // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT EXISTS,
            // and a schema made beforehand by an administrator must do without it.
            if (Scalar(connection, "SELECT count(*) FROM pg_namespace WHERE nspname = @schema", schema) is 0L)
                Execute(connection, $"CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
            Execute(connection, $"CREATE TABLE IF NOT EXISTS \"{schema}\".{OwnerTable} (broker_id integer NOT NULL)");
            Execute(connection, $"INSERT INTO \"{schema}\".{OwnerTable} (broker_id) SELECT {brokerId} WHERE NOT EXISTS (SELECT 1 FROM \"{schema}\".{OwnerTable})");
            // Every row, not the first: two brokers claiming a new schema at once both see both claims and both stop.
            var owners = new List<int>();
            using (var read = new NpgsqlCommand($"SELECT broker_id FROM \"{schema}\".{OwnerTable}", connection))
            using (var reader = read.ExecuteReader())
                while (reader.Read()) owners.Add(reader.GetInt32(0));
            if (owners.Any(o => o != brokerId))
                throw new BrokerConfigException($"schema '{schema}' in {where} holds the log of broker {string.Join(", ", owners.Where(o => o != brokerId).Distinct())}, " +
                    $"not of broker {brokerId}: give each broker its own storage.postgresql-schema (the default is broker_<broker-id>)");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new BrokerConfigException($"cannot prepare schema '{schema}' in the log store, {where}: {Reason(e)}; " +
                $"have an administrator run CREATE SCHEMA {schema} AUTHORIZATION {builder.Username ?? "<user>"}");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw new BrokerConfigException($"cannot prepare schema '{schema}' in the log store, {where}: {Reason(e)}");
        }
    }

    private static object? Scalar(NpgsqlConnection connection, string sql, string schema)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("schema", schema);
        return command.ExecuteScalar();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>The messages down the exception chain ("Failed to connect to ..." says little without "Connection refused").</summary>
    private static string Reason(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            var message = x is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : x.Message;
            if (!parts.Any(p => p.Contains(message, StringComparison.Ordinal))) parts.Add(message);
        }
        return string.Join(" -> ", parts);
    }
}
