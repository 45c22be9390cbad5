using System.Diagnostics;
using System.Text;

namespace ActorLog.IntegrationTests.Infrastructure;

/// <summary>
/// A long-running `actorlog` command (a consumer, a producer fed line by line): its stdout lines are kept as they
/// come, so a test can read what it printed so far, write to its stdin, and kill it -9 in the middle.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _stdoutClosed.TrySetResult();
            else if (e.Data.Length > 0) lock (_lines) _lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }

    public string StdErr { get { lock (_stderr) return _stderr.ToString(); } }

    public static CliProcess Start(string name, params string[] args) => new(Process.Start(ActorLogCli.StartInfo(args))!, name);

    public async Task WriteLinesAsync(IEnumerable<string> lines)
    {
        foreach (var line in lines) await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>End of input: a producer sends what it has and exits.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits for the exit and for every line it printed.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        await _stdoutClosed.Task.WaitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: a consumer leaves its group and commits, as on Ctrl-C.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        ActorLog.Hosting.ProcessSignals.Terminate(_process.Id);
        await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL: no leave, no last commit.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public override string ToString() => $"{Name}: {(HasExited ? $"exited {ExitCode}" : "running")}, {Lines.Count} line(s); stderr tail:\n{ProcessCluster.Tail(StdErr, 20)}";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
