using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using ActorLog.Common;
using ActorLog.Hosting;
using ActorLog.Log;
using ActorLog.Partition;

namespace ActorLog.Tests.Infrastructure;

/// <summary>
/// Appends a batch to a stopped broker's journal, as the leader itself would have just before it crashed:
/// persisted locally, never replicated, never acknowledged. It makes the crash window a test needs exact.
/// </summary>
public static class JournalWriter
{
    public static async Task<RecordBatch> AppendAsync(BrokerOptions broker, TopicPartition tp, int leaderEpoch, IReadOnlyList<Record> records)
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(BrokerConfig.Build(broker));
        var system = ActorSystem.Create("journal-writer", config);
        try
        {
            var writer = system.ActorOf(Props.Create(() => new TailWriter(ReplicaActor.PersistenceIdFor(tp), leaderEpoch, records)));
            return await writer.Ask<RecordBatch>("append", TimeSpan.FromSeconds(30));
        }
        finally
        {
            await system.Terminate();
        }
    }

    private sealed class TailWriter : ReceivePersistentActor
    {
        private long _logEnd;

        public TailWriter(string persistenceId, int leaderEpoch, IReadOnlyList<Record> records)
        {
            PersistenceId = persistenceId;
            Recover<RecordBatch>(b => _logEnd = b.NextOffset);
            Recover<LogTruncated>(t => _logEnd = t.Offset);
            Command<string>(_ =>
            {
                var sender = Sender;
                Persist(new RecordBatch(_logEnd, leaderEpoch, -1, -1, records), b => sender.Tell(b));
            });
        }

        public override string PersistenceId { get; }
    }
}
