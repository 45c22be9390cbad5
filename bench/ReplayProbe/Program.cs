using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using ActorLog.Hosting;
using Microsoft.Data.Sqlite;

// How fast a broker's journal replays (bench/RESULTS.md, session 19): a restarted replica replays one journal event
// per batch written since its latest index snapshot, so this rate is what snapshot-after-batches trades against.
//
//   dotnet run -c Release --project bench/ReplayProbe -- DATA_DIR [PERSISTENCE_ID ...]
//
// DATA_DIR is a stopped broker's data dir (SQLite; use a copy: recovery may write to it). Every replica's journal is
// replayed at once, as a restarted broker does, three rounds in one process: the first with the JIT cold, as a
// restart is. Only Akka.Persistence.Sql's replay and the serializer are measured, not a replica's own handling.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: ReplayProbe DATA_DIR [PERSISTENCE_ID ...]");
    return 2;
}
var dir = Path.GetFullPath(args[0]);
var ids = args.Length > 1 ? args[1..] : PersistenceIds(Path.Combine(dir, "actorlog.db"));
var config = ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
    .WithFallback(BrokerConfig.Build(new BrokerOptions { BrokerId = 0, Port = 0, DataDir = dir }));
BrokerConfig.PrepareStorage(config);
using var system = ActorSystem.Create("replay-probe", config);
for (var round = 1; round <= 3; round++)
{
    var clock = Stopwatch.StartNew();
    var replays = ids.Select(id =>
    {
        var done = new TaskCompletionSource<long>();
        system.ActorOf(Props.Create(() => new Replayer(id, done)), $"round-{round}-{Uri.EscapeDataString(id)}");
        return done.Task;
    }).ToArray();
    var events = (await Task.WhenAll(replays)).Sum();
    var seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"round {round}: {ids.Length} journal(s), {events:N0} events in {seconds:F2} s, {events / seconds:N0} events/s");
}
await system.Terminate();
return 0;

static string[] PersistenceIds(string file)
{
    using var db = new SqliteConnection($"Data Source={file};Mode=ReadOnly");
    db.Open();
    using var command = db.CreateCommand();
    command.CommandText = "SELECT DISTINCT persistence_id FROM journal ORDER BY persistence_id";
    using var reader = command.ExecuteReader();
    var ids = new List<string>();
    while (reader.Read()) ids.Add(reader.GetString(0));
    return ids.ToArray();
}

/// <summary>Counts the events of one persistence id as recovery replays them.</summary>
internal sealed class Replayer : ReceivePersistentActor
{
    private long _events;

    public Replayer(string persistenceId, TaskCompletionSource<long> done)
    {
        PersistenceId = persistenceId;
        Recover<RecoveryCompleted>(_ =>
        {
            done.SetResult(_events);
            Context.Stop(Self);
        });
        Recover<object>(_ => _events++);
    }

    public override string PersistenceId { get; }

    // Recovery only: this actor never writes, so nothing can change the copy it reads beyond the plugin's own setup.
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);
}
