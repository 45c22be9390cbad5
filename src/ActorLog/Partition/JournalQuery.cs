using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorLog.Partition;

/// <summary>
/// The read side of this broker's journal (Akka.Persistence.Query over the SQL journal), shared by its replicas:
/// batches older than a replica's tail cache are read back from the events that hold them.
/// </summary>
public sealed class JournalQuery : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ActorMaterializer _materializer;
    private readonly object _lock = new();
    private Task<SqlReadJournal>? _journal;
    private long _reads;
    private long _eventsRead;

    public JournalQuery(ExtendedActorSystem system)
    {
        _system = system;
        _materializer = system.Materializer(namePrefix: "journal-query");
    }

    public static JournalQuery Get(ActorSystem system) => system.WithExtension<JournalQuery, JournalQueryProvider>();

    /// <summary>Journal reads completed on this broker: fetches and follower pushes the tail caches could not serve.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Events those reads returned (superseded ones and truncation markers included).</summary>
    public long EventsRead => Interlocked.Read(ref _eventsRead);

    /// <summary>The events of <paramref name="persistenceId"/> from sequence number <paramref name="from"/> to <paramref name="to"/> (inclusive), in order.</summary>
    public async Task<IReadOnlyList<(long SequenceNr, object Event)>> EventsAsync(string persistenceId, long from, long to)
    {
        var journal = await ReadJournal();
        var envelopes = await journal.CurrentEventsByPersistenceId(persistenceId, from, to)
            .RunWith(Sink.Seq<EventEnvelope>(), _materializer);
        Interlocked.Increment(ref _reads);
        Interlocked.Add(ref _eventsRead, envelopes.Count);
        return envelopes.Select(e => (e.SequenceNr, e.Event)).ToList();
    }

    private Task<SqlReadJournal> ReadJournal()
    {
        lock (_lock)
        {
            // SqlReadJournal's constructor blocks on an Ask to the write journal: create it once, on a pool thread
            // rather than on a replica's. A failed attempt is not kept: the next read tries again.
            if (_journal is null || _journal.IsFaulted || _journal.IsCanceled)
                _journal = Task.Run(() => PersistenceQuery.Get(_system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier));
            return _journal;
        }
    }
}

public sealed class JournalQueryProvider : ExtensionIdProvider<JournalQuery>
{
    public override JournalQuery CreateExtension(ExtendedActorSystem system) => new(system);
}
