using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorLog.Tests.Infrastructure;

/// <summary>
/// An in-memory journal whose writes wait while <see cref="Gate"/> is closed, so a test can hold a replica's journal write
/// in flight for as long as its scenario needs. One gate for the process: only one spec uses it, and its tests run in turn.
/// </summary>
public sealed class GatedJournal : MemoryJournal
{
    public const string PluginId = "akka.persistence.journal.gated";

    /// <summary>HOCON that makes this journal the default one (with an in-memory snapshot store).</summary>
    public const string Config = $$"""
        akka.persistence.journal.plugin = "{{PluginId}}"
        akka.persistence.journal.gated {
          class = "ActorLog.Tests.Infrastructure.GatedJournal, ActorLog.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    public static JournalGate Gate { get; } = new();

    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        await Gate.PassAsync(writes.Count);
        return await base.WriteMessagesAsync(writes, cancellationToken);
    }
}

public sealed class JournalGate
{
    private readonly object _lock = new();
    private TaskCompletionSource _open = Opened();
    private int _waiting;

    private static TaskCompletionSource Opened()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }

    /// <summary>Writes held at the gate now.</summary>
    public int Waiting
    {
        get { lock (_lock) return _waiting; }
    }

    public void Close()
    {
        lock (_lock)
            if (_open.Task.IsCompleted) _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Open()
    {
        lock (_lock) _open.TrySetResult();
    }

    internal async Task PassAsync(int writes)
    {
        Task open;
        lock (_lock)
        {
            open = _open.Task;
            if (open.IsCompleted) return;
            _waiting += writes;
        }
        await open;
        lock (_lock) _waiting -= writes;
    }
}
