namespace ActorLog.Cli.Commands;

/// <summary>
/// Keeps at most <c>limit</c> produce calls outstanding for the benchmark. A full window lets the sender go on only
/// once a tenth of it has been answered: a semaphore released per answer would wake the sending loop once per
/// record, and that hand-off, not the cluster, became what the benchmark measured.
/// </summary>
internal sealed class InFlightWindow(int limit)
{
    private readonly object _gate = new();
    private readonly int _resumeAt = limit - Math.Max(1, limit / 10);
    private int _outstanding;
    private TaskCompletionSource? _room;
    private TaskCompletionSource? _drained;

    /// <summary>Takes a place in the window, waiting while it is full.</summary>
    public async ValueTask EnterAsync()
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_outstanding < limit)
                {
                    _outstanding++;
                    return;
                }
                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _room.Task;
            }
            await wait;
        }
    }

    /// <summary>An answer came: frees its place.</summary>
    public void Leave()
    {
        TaskCompletionSource? wake = null, drained = null;
        lock (_gate)
        {
            _outstanding--;
            if (_room is not null && _outstanding <= _resumeAt) (wake, _room) = (_room, null);
            if (_drained is not null && _outstanding == 0) (drained, _drained) = (_drained, null);
        }
        wake?.SetResult();
        drained?.SetResult();
    }

    /// <summary>Waits until every call in the window has been answered.</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            if (_outstanding == 0) return Task.CompletedTask;
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }
}
