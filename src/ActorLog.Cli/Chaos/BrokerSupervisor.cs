using System.Collections.Concurrent;
using System.Diagnostics;
using ActorLog.Cli.Processes;

namespace ActorLog.Cli.Chaos;

/// <summary>A broker process that ended without the nemesis killing it (downed by the split brain resolver, say).</summary>
public sealed record UnexpectedExit(int BrokerId, int Pid, int? ExitCode, TimeSpan At, IReadOnlyList<string> LastLogLines);

/// <summary>
/// Restarts brokers that exit on their own, as systemd or Kubernetes would, so a run goes on with all its brokers;
/// each such exit is recorded with the end of the broker's log. The nemesis marks its victim down while it is
/// meant to be dead.
/// </summary>
internal sealed class BrokerSupervisor(LocalCluster cluster, Stopwatch clock, Action<string> log)
{
    private readonly ConcurrentDictionary<int, bool> _meantDown = new();
    private readonly List<UnexpectedExit> _exits = new();

    public IReadOnlyList<UnexpectedExit> Exits
    {
        get { lock (_exits) return _exits.ToList(); }
    }

    public void MeantDown(int brokerId) => _meantDown[brokerId] = true;

    public void MeantUp(int brokerId) => _meantDown.TryRemove(brokerId, out _);

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                foreach (var b in cluster.Brokers.Where(b => !b.IsRunning && !_meantDown.ContainsKey(b.BrokerId)))
                {
                    // Ctrl-C in a terminal reaches the brokers too: their exit then is no finding and no reason to restart.
                    if (ct.IsCancellationRequested) return;
                    var exit = new UnexpectedExit(b.BrokerId, b.Pid, b.ExitCode, clock.Elapsed, LastLines(b.LogPath, 5));
                    lock (_exits) _exits.Add(exit);
                    log($"PROBLEM: broker {b.BrokerId} (pid {b.Pid}) exited by itself with code {b.ExitCode}; restarting it. Its log ends:\n    " +
                        string.Join("\n    ", exit.LastLogLines));
                    b.Start();
                    log($"broker {b.BrokerId} restarted as pid {b.Pid}");
                }
                await Task.Delay(250, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static IReadOnlyList<string> LastLines(string path, int count)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(count)
                .Select(l => l.Length > 300 ? l[..300] + "..." : l).ToList();
        }
        catch (IOException e)
        {
            return [$"(log unreadable: {e.Message})"];
        }
    }
}
