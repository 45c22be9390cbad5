using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Partition;

namespace ActorLog.Tests.Infrastructure;

/// <summary>Reads a replica's partition log straight from a broker's journal (not from the actor's memory).</summary>
public static class JournalReader
{
    /// <summary>The replica's journal events as they are stored now (deleted ones are not read).</summary>
    public static async Task<IReadOnlyList<EventEnvelope>> EventsAsync(ActorSystem system, TopicPartition tp)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        return await journal.CurrentEventsByPersistenceId(ReplicaActor.PersistenceIdFor(tp), 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
    }

    public static async Task<PartitionLog> ReadAsync(ActorSystem system, TopicPartition tp)
    {
        var events = await EventsAsync(system, tp);
        var log = new PartitionLog();
        foreach (var e in events)
        {
            switch (e.Event)
            {
                // The first batch after events retention deleted starts the log, as a replica's recovery does.
                case RecordBatch b when log.BatchCount == 0 && b.BaseOffset > log.LogEndOffset:
                    log.AdvanceStart(b.BaseOffset);
                    log.Append(b, e.SequenceNr);
                    break;
                case RecordBatch b: log.Append(b, e.SequenceNr); break;
                case LogTruncated t: log.TruncateTo(t.Offset); break;
                case LogStartAdvanced s: log.AdvanceStart(s.Offset); break;
                default: throw new InvalidOperationException($"Unexpected journal event {e.Event.GetType()}");
            }
        }
        return log;
    }

    /// <summary>(offset, key, value) of every record, in offset order.</summary>
    /// <remarks>The log must hold its batches in memory (as <see cref="ReadAsync"/>'s does: its cache is unbounded).</remarks>
    public static List<(long Offset, string? Key, string? Value)> Flatten(PartitionLog log) =>
        ((LogRead.InMemory)log.Read(log.LogStartOffset, log.LogEndOffset, int.MaxValue)).Batches
            .SelectMany(b => b.Records.Select((r, i) => (b.BaseOffset + i,
                r.Key is null ? null : System.Text.Encoding.UTF8.GetString(r.Key),
                r.Value is null ? null : System.Text.Encoding.UTF8.GetString(r.Value))))
            .ToList();
}
