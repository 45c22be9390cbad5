using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Event;

namespace ActorLog.Metadata.Durable;

/// <summary>
/// Akka.DistributedData's durable store over one SQLite file per broker, so the keys listed in
/// <c>akka.cluster.distributed-data.durable.keys</c> (the cluster metadata) survive a full-cluster restart.
/// Akka's own LMDB store does not load on this platform (docs/design.md).
/// <para>
/// Protocol (Akka.DistributedData.Durable): the replicator creates this actor from
/// <c>durable.store-actor-class</c> with the <c>durable</c> config section, sends <see cref="LoadAll"/> first
/// and holds every Get and Update until it has received the <see cref="LoadData"/> messages and
/// <see cref="LoadAllCompleted"/>. A load that fails throws <see cref="LoadFailedException"/>, on which the
/// replicator stops itself and this store. Each <see cref="Store"/> is answered to its
/// <see cref="StoreReply.ReplyTo"/> (when it has one) only after the entry is on disk, so a WriteMajority that
/// succeeds is durable on a majority; a write that fails is answered with the failure message.
/// </para>
/// </summary>
public sealed class SqliteDurableStore : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private sealed record FlushPending
    {
        public static readonly FlushPending Instance = new();
    }

    private readonly SqliteDurableStoreSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Serialization.Serialization _serialization = Context.System.Serialization;
    // Write-behind only: the newest envelope per key, written together at the next flush.
    private readonly Dictionary<string, StoredEntry> _pending = new();
    private DurableEntryFile? _file;

    /// <summary>The replicator calls this constructor with the <c>durable</c> section.</summary>
    public SqliteDurableStore(Config durable)
    {
        _settings = SqliteDurableStoreSettings.Create(durable);
        Loading();
    }

    public static Props Props(Config durable) => Akka.Actor.Props.Create(() => new SqliteDurableStore(durable));

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private string FilePath => _settings.Path;

    /// <summary>Waiting for the replicator's LoadAll; nothing is written before the file has been read.</summary>
    private void Loading()
    {
        Receive<LoadAll>(_ => LoadAll(Sender));
        Receive<Store>(_ => Stash.Stash());
    }

    private void Active()
    {
        Receive<Store>(OnStore);
        Receive<FlushPending>(_ => Flush());
    }

    private void LoadAll(IActorRef replicator)
    {
        var watch = Stopwatch.StartNew();
        ImmutableDictionary<string, DurableDataEnvelope> data;
        try
        {
            _file ??= DurableEntryFile.Open(FilePath);
            data = _file.ReadAll().ToImmutableDictionary(e => e.Key, Decode);
        }
        catch (Exception e)
        {
            CloseFile();
            // Not logged here: the replicator logs this exception (and its cause) as it stops.
            throw new LoadFailedException($"Cannot load durable distributed data from SQLite file [{FilePath}]: {e.Message}", e);
        }
        if (!data.IsEmpty) replicator.Tell(new LoadData(data));
        replicator.Tell(LoadAllCompleted.Instance);
        _log.Info("Durable distributed data: loaded {0} entries ({1}) from SQLite file [{2}] in {3} ms",
            data.Count, string.Join(", ", data.Keys.Order(StringComparer.Ordinal)), FilePath, watch.ElapsedMilliseconds);
        Become(Active);
        Stash.UnstashAll();
    }

    private void OnStore(Store store)
    {
        StoredEntry entry;
        try
        {
            entry = Encode(store.Key, store.Data);
        }
        catch (Exception e)
        {
            _log.Error(e, "Durable distributed data: cannot serialize key [{0}] for SQLite file [{1}]: {2}", store.Key, FilePath, e.Message);
            Reply(store, success: false);
            return;
        }

        if (_settings.WriteBehindInterval is { } interval)
        {
            // Acknowledged before it is on disk: only when the operator chose write-behind.
            _pending[store.Key] = entry;
            if (!Timers.IsTimerActive(nameof(FlushPending))) Timers.StartSingleTimer(nameof(FlushPending), FlushPending.Instance, interval);
            Reply(store, success: true);
            return;
        }
        Reply(store, success: TryWrite([entry]));
    }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var entries = _pending.Values.ToList();
        if (TryWrite(entries))
        {
            _pending.Clear();
        }
        else if (_settings.WriteBehindInterval is { } interval)
        {
            // Keep them: the next flush tries again (the replicator has already been told they are stored).
            Timers.StartSingleTimer(nameof(FlushPending), FlushPending.Instance, interval);
        }
    }

    /// <summary>Writes and commits; on failure logs, closes the file (the next write reopens it) and returns false.</summary>
    private bool TryWrite(IReadOnlyCollection<StoredEntry> entries)
    {
        try
        {
            _file ??= DurableEntryFile.Open(FilePath);
            _file.Upsert(entries);
            return true;
        }
        catch (Exception e)
        {
            CloseFile();
            _log.Error(e, "Durable distributed data: cannot write key(s) [{0}] to SQLite file [{1}]: {2}",
                string.Join(", ", entries.Select(x => x.Key)), FilePath, e.Message);
            return false;
        }
    }

    private void Reply(Store store, bool success)
    {
        if (store.Reply is not { } reply) return;
        // Self as sender: a write acknowledgement to a remote replicator is counted by the sender's address.
        reply.ReplyTo.Tell(success ? reply.SuccessMessage : reply.FailureMessage, Self);
    }

    private StoredEntry Encode(string key, DurableDataEnvelope envelope)
    {
        var serializer = _serialization.FindSerializerFor(envelope);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, envelope);
        return new StoredEntry(key, serializer.Identifier, manifest, serializer.ToBinary(envelope));
    }

    private DurableDataEnvelope Decode(StoredEntry entry)
    {
        object? value;
        try
        {
            value = _serialization.Deserialize(entry.Envelope, entry.SerializerId, entry.Manifest);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"key [{entry.Key}] cannot be deserialized (serializer {entry.SerializerId}, manifest '{entry.Manifest}'): {e.Message}", e);
        }
        return value as DurableDataEnvelope ?? throw new InvalidOperationException(
            $"key [{entry.Key}] holds a {value?.GetType().Name ?? "null"}, not a DurableDataEnvelope");
    }

    private void CloseFile()
    {
        _file?.Dispose();
        _file = null;
    }

    /// <summary>
    /// The replicator sends LoadAll once, at its own start: a store restarted by its supervisor would wait for
    /// it forever and hold every Store, so it goes straight to writing (the file is reopened on the next write).
    /// </summary>
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        Become(Active);
    }

    protected override void PostStop()
    {
        // Write-behind: what was acknowledged but not written yet goes to disk now (not after a kill -9).
        if (_pending.Count > 0 && TryWrite(_pending.Values.ToList())) _pending.Clear();
        if (_pending.Count > 0)
            _log.Error("Durable distributed data: {0} acknowledged entries were not written to SQLite file [{1}] before stopping", _pending.Count, FilePath);
        CloseFile();
        base.PostStop();
    }
}
